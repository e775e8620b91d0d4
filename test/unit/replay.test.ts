// A response Praxis already received is replayed to the next request for the
// same URL within the scope (src/net/replay.ts): Fedify's handler judges a
// failed delivery from it without sending the delivery again.
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installOutboundDispatcher } from "../../src/net/outbound.ts";
import { withReplayedResponse } from "../../src/net/replay.ts";

describe("replayed responses", () => {
  let server: Server;
  let origin: string;
  let hits = 0;
  beforeAll(async () => {
    installOutboundDispatcher();
    server = createServer((req, res) => {
      hits++;
      req.resume();
      req.on("end", () => res.writeHead(202).end("from the network"));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("answers the first matching request from the recording, and lets the next one through", async () => {
    const url = `${origin}/users/a/inbox`;
    const before = hits;
    const [first, second, other] = await withReplayedResponse({ method: "POST", url }, {
      status: 503, statusText: "Service Unavailable", headers: { "retry-after": "120", "content-type": "text/plain" }, body: Buffer.from("busy"),
    }, async () => {
      const a = await fetch(url, { method: "POST", body: "{}" });
      const first = { status: a.status, text: await a.text(), retryAfter: a.headers.get("retry-after") };
      const b = await fetch(url, { method: "POST", body: "{}" });
      const second = { status: b.status, text: await b.text() };
      const c = await fetch(`${origin}/users/b/inbox`, { method: "POST", body: "{}" });
      return [first, second, { status: c.status }];
    });
    expect(first).toEqual({ status: 503, text: "busy", retryAfter: "120" });
    expect(second).toEqual({ status: 202, text: "from the network" });
    expect(other.status).toBe(202);
    expect(hits - before).toBe(2);
  });

  it("replays a network error as the same failure", async () => {
    const url = `${origin}/users/c/inbox`;
    const error = await withReplayedResponse({ method: "POST", url }, { error: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) },
      () => fetch(url, { method: "POST", body: "{}" }).then(() => null, (e: Error) => e));
    expect((error?.cause as { code?: string })?.code).toBe("ECONNREFUSED");
  });
});
