// Outgoing connections are bounded (src/net/bounded-agent.ts): a fan-out to
// many hosts keeps idle keep-alive connections to at most maxIdleOrigins of
// them, closing the least recently used, and a closed pool is never reused.
import { createServer, type Server } from "node:http";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BoundedAgent } from "../../src/net/bounded-agent.ts";

describe("BoundedAgent", () => {
  const servers: Server[] = [];
  const origins: string[] = [];
  const open = new Map<string, number>();

  beforeAll(async () => {
    for (let i = 0; i < 5; i++) {
      const server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
        req.resume();
        req.on("end", () => res.writeHead(200).end("ok"));
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      server.on("connection", (socket) => {
        open.set(origin, (open.get(origin) ?? 0) + 1);
        socket.on("close", () => open.set(origin, open.get(origin)! - 1));
      });
      servers.push(server);
      origins.push(origin);
    }
  });
  afterAll(async () => {
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  });

  it("keeps idle connections to at most maxIdleOrigins hosts, the most recently used", async () => {
    const agent = new BoundedAgent({ maxIdleOrigins: 2, connectionsPerOrigin: 4, keepAliveTimeoutMs: 30_000, keepAliveMaxTimeoutMs: 30_000 });
    try {
      for (const origin of [...origins, origins[4], origins[3]]) {
        const res = await request(`${origin}/x`, { dispatcher: agent });
        expect(await res.body.text()).toBe("ok");
      }
      expect(agent.origins).toBeLessThanOrEqual(2);
      // The evicted hosts' connections are closed; the last two keep theirs.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(origins.slice(0, 3).map((o) => open.get(o) ?? 0)).toEqual([0, 0, 0]);
      expect(origins.slice(3).every((o) => (open.get(o) ?? 0) >= 1)).toBe(true);
      // An evicted host is reached again on a new connection.
      expect((await request(`${origins[0]}/x`, { dispatcher: agent })).statusCode).toBe(200);
    } finally {
      await agent.destroy();
    }
  });

  it("gives a host one connection while it has one request at a time, and several once requests overlap", async () => {
    const agent = new BoundedAgent({ maxIdleOrigins: 10, connectionsPerOrigin: 4, keepAliveTimeoutMs: 30_000, keepAliveMaxTimeoutMs: 30_000 });
    const slow = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
      req.resume();
      req.on("end", () => setTimeout(() => res.writeHead(200).end("ok"), 100));
    });
    await new Promise<void>((resolve) => slow.listen(0, "127.0.0.1", resolve));
    let connections = 0;
    slow.on("connection", () => connections++);
    const slowOrigin = `http://127.0.0.1:${(slow.address() as { port: number }).port}`;
    try {
      for (const origin of origins) {
        for (let i = 0; i < 2; i++) expect((await request(`${origin}/z`, { dispatcher: agent })).statusCode).toBe(200);
      }
      expect(agent.pooledOrigins).toBe(0);
      // Four at once to the slow host: served side by side, on several connections.
      const results = await Promise.all([0, 1, 2, 3].map(async () => (await request(`${slowOrigin}/w`, { dispatcher: agent })).body.text()));
      expect(results).toEqual(["ok", "ok", "ok", "ok"]);
      expect(agent.pooledOrigins).toBe(1);
      expect(connections).toBeGreaterThanOrEqual(3);
      // The host keeps its pool for what comes next.
      expect((await request(`${slowOrigin}/w`, { dispatcher: agent })).statusCode).toBe(200);
      expect(agent.pooledOrigins).toBe(1);
    } finally {
      await agent.destroy();
      slow.closeAllConnections();
      await new Promise<void>((resolve) => slow.close(() => resolve()));
    }
  });

  it("never closes a host's pool while a request to it is under way", async () => {
    const agent = new BoundedAgent({ maxIdleOrigins: 1, connectionsPerOrigin: 4, keepAliveTimeoutMs: 30_000, keepAliveMaxTimeoutMs: 30_000 });
    try {
      const results = await Promise.all(origins.map(async (o) => (await request(`${o}/y`, { dispatcher: agent })).body.text()));
      expect(results).toEqual(origins.map(() => "ok"));
    } finally {
      await agent.destroy();
    }
  });
});
