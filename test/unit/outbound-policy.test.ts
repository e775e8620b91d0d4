// The outbound policy behind global fetch: private addresses refused at
// connect time, deadlines and response size caps, per async scope.
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isPublicAddress, type OutboundPolicy, withOutboundPolicy } from "../../src/net/outbound.ts";
import { type RawHost, startRawHost } from "../support/raw-host.ts";

const strict: OutboundPolicy = {
  name: "strict", allowPrivateAddress: false, fetchTimeoutMs: 1000, deliveryTimeoutMs: 1500, maxResponseBytes: 64 * 1024,
};
const open: OutboundPolicy = { ...strict, name: "open", allowPrivateAddress: true };

/** The error a fetch failed with (fetch wraps it as the cause of a TypeError). */
async function failure(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return ((error as Error).cause ?? error) as Error & { code?: string };
  }
  throw new Error("expected the request to fail");
}

describe("isPublicAddress", () => {
  it("refuses loopback, private, link-local, mapped and unique-local addresses", () => {
    for (const a of ["127.0.0.1", "127.0.0.2", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
      "0.0.0.0", "::1", "::", "::ffff:127.0.0.1", "[::1]", "fc00::1", "fe80::1", "not an address"]) {
      expect(isPublicAddress(a), a).toBe(false);
    }
    for (const a of ["93.184.215.14", "1.1.1.1", "2606:4700:4700::1111", "::ffff:1.1.1.1"]) expect(isPublicAddress(a), a).toBe(true);
  });
});

describe("outbound policy", () => {
  let host: RawHost;
  let streamer: Server;

  beforeAll(async () => {
    host = await startRawHost("127.0.0.1");
    host.serve("/doc", { hello: "world" });
    host.route("/hang", () => "hang");
    host.route("/big", () => ({ status: 200, body: "x".repeat(200 * 1024) }));
    // Chunked, without Content-Length: only counting the bytes catches it.
    streamer = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/activity+json" });
      let sent = 0;
      const timer = setInterval(() => {
        if (sent > 1024 * 1024 || res.destroyed) {
          clearInterval(timer);
          return res.end();
        }
        res.write("x".repeat(16 * 1024));
        sent += 16 * 1024;
      }, 5);
    });
    await new Promise<void>((resolve) => streamer.listen(0, "127.0.0.1", resolve));
  });
  afterAll(async () => {
    await host.stop();
    streamer.closeAllConnections();
    await new Promise((resolve) => streamer.close(resolve));
  });

  it("refuses a loopback IP literal and a name resolving to loopback, before anything is sent", async () => {
    const before = host.requests.length;
    const literal = await failure(withOutboundPolicy(strict, () => fetch(`${host.origin}/doc`)));
    expect(literal.name).toBe("PrivateAddressError");
    const port = new URL(host.origin).port;
    const named = await failure(withOutboundPolicy(strict, () => fetch(`http://localhost:${port}/doc`)));
    expect(named.name).toBe("PrivateAddressError");
    expect(host.requests.length).toBe(before);
  });

  it("leaves code outside any scope, and scopes that allow private addresses, alone", async () => {
    expect(await (await fetch(`${host.origin}/doc`)).json()).toEqual({ hello: "world" });
    expect(await (await withOutboundPolicy(open, () => fetch(`${host.origin}/doc`))).json()).toEqual({ hello: "world" });
    // A connection made for an open scope is not reused by a strict one.
    const again = await failure(withOutboundPolicy(strict, () => fetch(`${host.origin}/doc`)));
    expect(again.name).toBe("PrivateAddressError");
  });

  it("aborts a request to a peer that never answers at the scope's deadline", async () => {
    const started = Date.now();
    const error = await failure(withOutboundPolicy(open, () => fetch(`${host.origin}/hang`)));
    expect(error.name).toBe("OutboundTimeoutError");
    expect(Date.now() - started).toBeLessThan(10_000);
    const post = await failure(withOutboundPolicy(open, () => fetch(`${host.origin}/hang`, { method: "POST", body: "{}" })));
    expect(post.message).toContain("1500 ms");
  });

  it("aborts a response larger than the cap, by Content-Length or by its bytes", async () => {
    const error = await failure(withOutboundPolicy(open, async () => (await fetch(`${host.origin}/big`)).text()));
    expect(error.name).toBe("ResponseTooLargeError");
    const port = (streamer.address() as { port: number }).port;
    const streamed = await failure(withOutboundPolicy(open, async () => (await fetch(`http://127.0.0.1:${port}/`)).text()));
    expect(streamed.name).toBe("ResponseTooLargeError");
    // Outside a scope the same document is read whole.
    expect((await (await fetch(`${host.origin}/big`)).text()).length).toBe(200 * 1024);
  });
});
