// Sends a hostile case over real HTTP with exactly its bytes, signed as the
// case says, and waits at most a bound for the answer.
import { signRequest } from "@fedify/fedify";
import type { HostileCase, SignerName } from "./generator.ts";

export interface SigningKey {
  keyId: string;
  privateKey: CryptoKey;
}

export interface SendContext {
  inboxes: { shared: string; community: string };
  keys: Record<SignerName, SigningKey>;
  /** A key nobody publishes: signatures made with it never verify. */
  stranger: CryptoKey;
  /** A keyId whose document never comes, and one on a closed port. */
  hangingKeyId: string;
  refusedKeyId: string;
  boundMs: number;
}

export interface Outcome {
  n: number;
  /** The HTTP status, "hang" when no answer came within the bound, "error" when the connection failed. */
  status: number | "hang" | "error";
  ms: number;
  /** The start of the answer's body (or the error). */
  text: string;
}

async function signed(request: Request, key: CryptoKey, keyId: string, spec: HostileCase["spec"]): Promise<Request> {
  return signRequest(request, key, new URL(keyId), { spec });
}

export async function sendCase(c: HostileCase, ctx: SendContext): Promise<Outcome> {
  const url = c.inbox === "shared" ? ctx.inboxes.shared : ctx.inboxes.community;
  const headers: Record<string, string> = { accept: "application/activity+json" };
  if (c.contentType !== null) headers["content-type"] = c.contentType;
  const make = (body: Uint8Array) => new Request(url, { method: "POST", headers, body: body as BodyInit });
  const key = ctx.keys[c.signer];
  let request: Request;
  switch (c.signing) {
    case "unsigned":
      request = make(c.body);
      break;
    case "member":
      request = await signed(make(c.body), key.privateKey, key.keyId, c.spec);
      break;
    case "badsig":
      request = await signed(make(c.body), ctx.stranger, key.keyId, c.spec);
      break;
    case "tampered": {
      // Signed for other bytes: the digest no longer matches the body.
      const original = await signed(make(Buffer.concat([c.body, Buffer.from(" ")])), key.privateKey, key.keyId, c.spec);
      request = new Request(url, { method: "POST", headers: original.headers, body: c.body as BodyInit });
      break;
    }
    case "keyid-hang":
      request = await signed(make(c.body), key.privateKey, `${ctx.hangingKeyId}${c.n}`, c.spec);
      break;
    case "keyid-refused":
      request = await signed(make(c.body), key.privateKey, ctx.refusedKeyId, c.spec);
      break;
  }
  const started = Date.now();
  const signal = AbortSignal.timeout(ctx.boundMs);
  try {
    const response = await fetch(request, { signal });
    const text = (await response.text()).slice(0, 300);
    return { n: c.n, status: response.status, ms: Date.now() - started, text };
  } catch (error) {
    const ms = Date.now() - started;
    if (signal.aborted) return { n: c.n, status: "hang", ms, text: `no answer within ${ctx.boundMs} ms` };
    return { n: c.n, status: "error", ms, text: String((error as Error)?.cause ?? error).slice(0, 300) };
  }
}

/** Runs `work` over `items` with at most `concurrency` at a time. */
export async function pool<T, R>(items: readonly T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]);
    }
  }));
  return results;
}
