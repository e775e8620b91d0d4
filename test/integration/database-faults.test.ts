// Faults of the database, over real signed HTTP.
// - Another process holds the SQLite database's write lock (BEGIN
//   EXCLUSIVE) for several seconds: an inbox POST that cannot be stored in
//   time is answered 503 with Retry-After (never 500), the server keeps
//   answering other requests meanwhile (healthz, pages that only read), and
//   nothing it had accepted is lost: an activity accepted just before the
//   lock is handled once it is released, and the refused one is accepted
//   when its sender retries.
// - PostgreSQL becomes unreachable: pages and inbox POSTs get 503 with
//   Retry-After, and the server recovers when the database is back.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer, type Server, type Socket, connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommunity } from "../../src/operations/communities.ts";
import { postgresUnavailable } from "../db/databases.ts";
import { freePort, waitFor } from "../support/net.ts";
import { createThrowawaySchema, type ThrowawaySchema } from "../support/postgres.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";
import { AS_CONTEXT, type RawActor, type RawHost, startRawHost } from "../support/raw-host.ts";

/** Longer than the time a write waits for the lock before the request is refused. */
const LOCK_MS = 7000;

let praxis: TestPraxis;
let host: RawHost;
let mia: RawActor;
let community: string;

beforeAll(async () => {
  praxis = await startPraxis({ queue: { concurrency: 4, pollIntervalMs: 25, leaseSeconds: 30 } });
  host = await startRawHost("127.0.0.5");
  mia = await host.actor("mia");
  await createCommunity(praxis, "gardeners", { name: "Gardeners" });
  community = `${praxis.origin}/c/gardeners`;
  const follow = { "@context": AS_CONTEXT, id: host.newId("follows"), type: "Follow", actor: mia.id, object: community };
  expect((await host.send(`${community}/inbox`, follow, mia)).status).toBe(202);
  await waitFor(() => host.inboxPosts((r) => r.json?.type === "Accept").length > 0, "Mia's Accept");
});

afterAll(async () => {
  await host?.stop();
  await praxis?.stop();
});

/** A public Note by Mia into the community, served at its id; `delayMs` slows that fetch down. */
function note(content: string, delayMs = 0) {
  const id = host.newId("notes");
  const json = {
    "@context": AS_CONTEXT, id, type: "Note", attributedTo: mia.id, content,
    to: ["https://www.w3.org/ns/activitystreams#Public"], cc: [community], tag: [{ type: "Mention", href: community }],
  };
  host.route(id, async () => {
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    return { status: 200, body: json };
  });
  const create = (object: unknown) => ({
    "@context": AS_CONTEXT, id: `${id}/activity`, type: "Create", actor: mia.id, object,
    to: json.to, cc: json.cc,
  });
  return { id, json, create };
}

/** Starts another process that holds BEGIN EXCLUSIVE on the database file; resolves once it holds it. */
async function lockDatabase(ms: number) {
  const child = spawn(process.execPath, ["--input-type=module", "-e", `
    import Database from "better-sqlite3";
    const db = new Database(${JSON.stringify(praxis.config.database.url)});
    db.exec("BEGIN EXCLUSIVE");
    process.stdout.write("locked\\n");
    setTimeout(() => { db.exec("COMMIT"); db.close(); process.exit(0); }, ${ms});
  `], { cwd: process.cwd(), stdio: ["ignore", "pipe", "inherit"] });
  const [line] = await once(child.stdout, "data");
  expect(String(line)).toBe("locked\n");
  return { released: once(child, "exit") };
}

const boosted = (noteId: string) => host.inboxPosts((r) => r.json?.type === "Announce" && r.json?.actor === community && r.json?.object === noteId);

describe("the database locked by another process", () => {
  it("answers 503 with Retry-After, keeps serving, and loses nothing it accepted", async () => {
    // Accepted before the lock; its handler is still fetching the Note (slow) when the lock is taken.
    const early = note("<p>accepted before the lock</p>", 1500);
    expect((await host.send(`${community}/inbox`, early.create(early.id), mia)).status).toBe(202);
    const lock = await lockDatabase(LOCK_MS);

    const finished: string[] = [];
    const late = note("<p>posted during the lock</p>");
    const post = host.send(`${community}/inbox`, late.create(late.json), mia).then((res) => {
      finished.push("post");
      return res;
    });
    // Give the POST a head start so that it is waiting for the lock.
    await new Promise((r) => setTimeout(r, 200));
    const health = fetch(`${praxis.origin}/healthz`).then((res) => {
      finished.push("healthz");
      return res;
    });
    const page = fetch(community, { headers: { Accept: "text/html" } }).then((res) => {
      finished.push("page");
      return res;
    });
    const [postRes, healthRes, pageRes] = await Promise.all([post, health, page]);
    expect(healthRes.status).toBe(200);
    expect(pageRes.status).toBe(200);
    expect(await pageRes.text()).toContain("Gardeners");
    // Both answered while the POST was still waiting for the lock.
    expect(finished.indexOf("healthz")).toBeLessThan(finished.indexOf("post"));
    expect(finished.indexOf("page")).toBeLessThan(finished.indexOf("post"));
    expect(postRes.status).toBe(503);
    expect(Number(postRes.headers.get("retry-after"))).toBeGreaterThan(0);

    await lock.released;
    // The sender retries, as a 503 asks it to.
    expect((await host.send(`${community}/inbox`, late.create(late.json), mia)).status).toBe(202);
    await waitFor(() => boosted(late.id).length > 0, "the retried post to be relayed");
    await waitFor(() => boosted(early.id).length > 0, "the post accepted before the lock to be relayed", 30_000);
    expect((await praxis.queue.stats()).dead).toBe(0);
  }, 90_000);
});

/** A TCP proxy to PostgreSQL that the test can cut (closing every connection) and restore. */
async function startProxy(target: URL) {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  const open = () => new Promise<void>((resolve) => {
    server = createServer((client) => {
      const upstream = connect(Number(target.port || 5432), target.hostname);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
        s.on("error", () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    server.listen(port, "127.0.0.1", resolve);
  });
  const cut = () => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    server!.close(() => resolve());
  });
  await open();
  return { port, open, cut };
}

describe.skipIf(postgresUnavailable !== undefined)("PostgreSQL unreachable", () => {
  let onPostgres: TestPraxis;
  let schema: ThrowawaySchema;
  let proxy: Awaited<ReturnType<typeof startProxy>>;

  beforeAll(async () => {
    schema = await createThrowawaySchema("faults");
    const direct = new URL(schema.url);
    proxy = await startProxy(direct);
    const viaProxy = new URL(schema.url);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    onPostgres = await startPraxis({ database: { driver: "postgres", url: viaProxy.href, poolSize: 4, retryMs: 1000 } });
    await createCommunity(onPostgres, "makers", { name: "Makers" });
  });

  afterAll(async () => {
    await onPostgres?.stop();
    await schema?.drop();
  });

  it("answers 503 with Retry-After while it is down, and recovers", async () => {
    const uri = `${onPostgres.origin}/c/makers`;
    expect((await fetch(uri, { headers: { Accept: "text/html" } })).status).toBe(200);
    await proxy.cut();
    const page = await fetch(uri, { headers: { Accept: "text/html" } });
    expect(page.status).toBe(503);
    expect(Number(page.headers.get("retry-after"))).toBeGreaterThan(0);
    const actor = await fetch(uri, { headers: { Accept: "application/activity+json" } });
    expect(actor.status).toBe(503);
    const follow = { "@context": AS_CONTEXT, id: host.newId("follows"), type: "Follow", actor: mia.id, object: uri };
    const inbox = await host.send(`${uri}/inbox`, follow, mia);
    expect(inbox.status).toBe(503);
    expect(Number(inbox.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await fetch(`${onPostgres.origin}/healthz`)).status).toBe(200);

    await proxy.open();
    await waitFor(async () => (await fetch(uri, { headers: { Accept: "text/html" } })).status === 200, "the page to come back");
    expect((await host.send(`${uri}/inbox`, follow, mia)).status).toBe(202);
  });
});
