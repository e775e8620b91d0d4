// Work an unauthenticated sender can cause (issue 9, finding 5): JSON-LD
// expansion of deeply nested bodies, parsing unsigned bodies, and key
// fetches for hosts the sender invents. Each is refused by the inbox guard
// before Fedify parses anything.
import { createServer, type Server } from "node:http";
import { signRequest } from "@fedify/fedify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommunity } from "../../src/operations/communities.ts";
import { waitFor } from "../support/net.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";
import { AS_CONTEXT, generateRsaKey, type RawActor, type RawHost, startRawHost } from "../support/raw-host.ts";

let praxis: TestPraxis;
let host: RawHost;
let alice: RawActor;
let group: string;

beforeAll(async () => {
  praxis = await startPraxis();
  host = await startRawHost("127.0.0.6");
  await createCommunity(praxis, "forge", { name: "Forge" });
  group = `${praxis.origin}/c/forge`;
  alice = await host.actor("alice");
  const followId = host.newId("follows");
  expect((await host.send(`${group}/inbox`, { "@context": AS_CONTEXT, id: followId, type: "Follow", actor: alice.id, object: group }, alice)).status).toBe(202);
  await waitFor(() => host.inboxPosts((r) => r.json?.type === "Accept")[0], "Alice's Accept");
});

afterAll(async () => {
  await host?.stop();
  await praxis?.stop();
});

/** Requests the raw host received for `path` (key or context fetches). */
const fetchesOf = (path: string) => host.requests.filter((r) => r.method === "GET" && r.path === path);

function nested(depth: number): Record<string, unknown> {
  let inner: Record<string, unknown> = { type: "Note", content: "bottom" };
  for (let i = 0; i < depth; i++) inner = { type: "Note", content: `level ${i}`, attachment: inner };
  return inner;
}

describe("the shape of an inbox body", () => {
  it("refuses 500 nested objects with 400 before fetching the signer's key", async () => {
    const keyPath = "/keys/deep";
    const key = await generateRsaKey();
    host.serve(keyPath, { "@context": "https://w3id.org/security/v1", id: `${host.origin}${keyPath}`, type: "CryptographicKey", owner: alice.id, publicKeyPem: key.publicKeyPem });
    const body = { "@context": AS_CONTEXT, id: host.newId(), type: "Create", actor: alice.id, object: nested(500) };
    for (const inbox of [`${praxis.origin}/inbox`, `${group}/inbox`]) {
      const res = await host.send(inbox, body, { keyId: `${host.origin}${keyPath}`, privateKey: key.privateKey });
      expect(res.status).toBe(400);
      expect(await res.text()).toMatch(/nests deeper than 32 levels/);
    }
    expect(fetchesOf(keyPath)).toEqual([]);
  });

  it("refuses a body with too many values, and one that is not an object", async () => {
    const wide = { "@context": AS_CONTEXT, id: host.newId(), type: "Create", actor: alice.id, object: { type: "Note", tag: Array.from({ length: 20_000 }, () => 1) } };
    const res = await host.send(`${praxis.origin}/inbox`, wide, alice);
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/more than 10000 values/);
    for (const raw of ["[]", "\"Follow\"", "42", "null"]) {
      const r = await host.send(`${praxis.origin}/inbox`, null, alice, { rawBody: raw });
      expect(r.status).toBe(400);
      expect(await r.text()).toMatch(/must be a JSON object/);
    }
  });

  it("refuses an unsigned body with 401 without parsing it (its remote context is never fetched)", async () => {
    const contextPath = "/contexts/unsigned";
    host.serve(contextPath, { "@context": { foo: "https://example.com/foo" } }, "application/ld+json");
    const body = { "@context": [...AS_CONTEXT, `${host.origin}${contextPath}`], id: host.newId(), type: "Follow", actor: alice.id, object: group };
    for (const inbox of [`${praxis.origin}/inbox`, `${group}/inbox`]) {
      const res = await host.send(inbox, body, null);
      expect(res.status).toBe(401);
      expect(await res.text()).toMatch(/must carry an HTTP signature/);
    }
    expect(fetchesOf(contextPath)).toEqual([]);
  });
});

describe("keys on hosts the sender invents", () => {
  const servers: Server[] = [];
  let keyFetches = 0;
  const hostsFetched = new Set<string>();

  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    })));
  });

  /** A key server on its own loopback address: one "host" an attacker made up. */
  async function keyHost(i: number): Promise<string> {
    const hostname = `127.0.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`;
    const server = createServer((req, res) => {
      keyFetches++;
      hostsFetched.add(hostname);
      req.resume();
      res.writeHead(404, { "content-type": "application/json" }).end("{}");
    });
    await new Promise<void>((resolve) => server.listen(0, hostname, resolve));
    servers.push(server);
    return `http://${hostname}:${(server.address() as { port: number }).port}`;
  }

  it("answers 429 long before 400 invented hosts cost 400 key fetches, and still accepts a verified host", async () => {
    const key = await generateRsaKey();
    const statuses: number[] = [];
    for (let i = 0; i < 400; i++) {
      const origin = await keyHost(i);
      const follow = { "@context": AS_CONTEXT, id: `${origin}/follows/${i}`, type: "Follow", actor: `${origin}/users/u`, object: group };
      const request = await signRequest(new Request(`${praxis.origin}/inbox`, {
        method: "POST", headers: { "content-type": "application/activity+json" }, body: JSON.stringify(follow),
      }), key.privateKey, new URL(`${origin}/users/u#main-key`));
      const res = await fetch(request);
      await res.body?.cancel();
      statuses.push(res.status);
      if (res.status === 429) expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    }
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(350);
    // limits.inboxNewHostsPerWindow (30) hosts reached; Fedify asks each one twice (signed, then unsigned).
    expect(hostsFetched.size).toBeLessThanOrEqual(30);
    expect(keyFetches).toBeLessThanOrEqual(60);
    // Alice's host has verified before: the flood from the same address does not stop her.
    const followId = host.newId("follows");
    const res = await host.send(`${group}/inbox`, { "@context": AS_CONTEXT, id: followId, type: "Follow", actor: alice.id, object: group }, alice);
    expect(res.status).toBe(202);
  });
});
