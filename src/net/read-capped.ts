// Reads a request's or a response's body up to a byte limit, whether or not
// it declared a Content-Length: one place for the inbox (413 before Fedify
// parses anything) and for documents Praxis fetches itself (contexts).

/** The body declared, or turned out, larger than the limit; nothing more was read. */
export class BodyTooLargeError extends Error {
  override name = "BodyTooLargeError";
  readonly limit: number;
  constructor(limit: number) {
    super(`larger than ${limit} bytes`);
    this.limit = limit;
  }
}

/** The body's bytes (null when there is none), or BodyTooLargeError past `limit`. */
export async function readCapped(message: Request | Response, limit: number): Promise<Uint8Array<ArrayBuffer> | null> {
  const declared = Number(message.headers.get("content-length") ?? "NaN");
  if (declared > limit) {
    await message.body?.cancel();
    throw new BodyTooLargeError(limit);
  }
  // A body not decoded on the way (fetch decompresses a response, whose
  // Content-Length then counts the compressed bytes: read as it streams).
  const encoding = message.headers.get("content-encoding");
  if (Number.isSafeInteger(declared) && declared >= 0 && (encoding === null || encoding === "identity")) {
    // HTTP/1.1 framing reads exactly the declared length: read it at once
    // (@hono/node-server then reads an incoming request's body without
    // making a web stream of it: `.body` would), and check it all the same.
    const body = new Uint8Array(await message.arrayBuffer());
    if (body.byteLength > limit) throw new BodyTooLargeError(limit);
    return body;
  }
  if (!message.body) return null;
  const reader = message.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new BodyTooLargeError(limit);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    body.set(c, offset);
    offset += c.byteLength;
  }
  return body;
}
