// Bodies read up to a limit (src/net/read-capped.ts): at once when their
// length is declared and nothing decodes them on the way, as they stream
// otherwise — a compressed response's Content-Length counts the compressed
// bytes, so a small declared length can unpack to far more than the limit.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BodyTooLargeError, readCapped } from "../../src/net/read-capped.ts";

describe("readCapped", () => {
  let server: Server;
  let origin: string;
  const bomb = gzipSync(Buffer.alloc(5_000_000, 0x20));
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === "/bomb") res.writeHead(200, { "content-encoding": "gzip", "content-length": bomb.byteLength }).end(bomb);
      else res.writeHead(200, { "content-length": 5 }).end("hello");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("reads a body of declared length, and refuses one declared past the limit without reading it", async () => {
    expect(new TextDecoder().decode((await readCapped(await fetch(`${origin}/plain`), 100))!)).toBe("hello");
    const declared = new Request("http://x.test/", { method: "POST", body: "x".repeat(200), headers: { "content-length": "200" } });
    await expect(readCapped(declared, 100)).rejects.toBeInstanceOf(BodyTooLargeError);
  });

  it("stops a compressed response at the limit of its decoded bytes, whatever its Content-Length says", async () => {
    const response = await fetch(`${origin}/bomb`);
    expect(Number(response.headers.get("content-length"))).toBeLessThan(100_000);
    await expect(readCapped(response, 100_000)).rejects.toBeInstanceOf(BodyTooLargeError);
  });

  it("stops a body of undeclared length at the limit", async () => {
    const stream = new ReadableStream({ start(c) { c.enqueue(new Uint8Array(150)); c.close(); } });
    const chunked = new Request("http://x.test/", { method: "POST", body: stream, duplex: "half" } as RequestInit);
    await expect(readCapped(chunked, 100)).rejects.toBeInstanceOf(BodyTooLargeError);
  });
});
