// Closing the HTTP server gracefully (src/web/in-flight.ts): requests under
// way finish; responses given while closing close their keep-alive
// connection, so that no further request arrives once the wait is over.
import type { Server } from "node:http";
import { request } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { afterEach, describe, expect, it } from "vitest";
import { closeGracefully, InFlightRequests } from "../../src/web/in-flight.ts";

let server: Server | null = null;

afterEach(() => {
  server?.closeAllConnections();
  server = null;
});

/** A server whose every answer takes `delayMs`, its requests tracked. */
async function slowServer(delayMs: number): Promise<{ requests: InFlightRequests; port: number }> {
  const requests = new InFlightRequests();
  const handler = requests.track(async () => {
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    return new Response("done", { status: 200 });
  });
  const port = await new Promise<number>((resolve) => {
    server = serve({ fetch: handler, hostname: "127.0.0.1", port: 0 }, (info: AddressInfo) => resolve(info.port)) as Server;
  });
  return { requests, port };
}

/** GET / over a keep-alive connection: status, Connection header, body. */
function get(port: number): Promise<{ status: number; connection: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/", headers: { connection: "keep-alive" } }, (res) => {
      let body = "";
      res.on("data", (chunk) => { body += chunk; });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("closing the server gracefully", () => {
  it("lets a request under way finish, and closes its keep-alive connection with its answer", async () => {
    const { requests, port } = await slowServer(300);
    const answer = get(port);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(requests.count).toBe(1);
    const started = Date.now();
    const closed = closeGracefully(server!, requests, 5_000);
    expect(await answer).toEqual({ status: 200, connection: "close", body: "done" });
    await closed;
    // Not held up by the connection, which closed with its answer.
    expect(Date.now() - started).toBeLessThan(900);
    expect(requests.count).toBe(0);
  });

  it("cuts a request that outlives the bound", async () => {
    const { requests, port } = await slowServer(3_000);
    const answer = get(port).catch((error: Error) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await closeGracefully(server!, requests, 200);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await answer).toBeInstanceOf(Error);
  });
});
