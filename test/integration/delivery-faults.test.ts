// Deliveries to members whose servers misbehave: one that accepts
// connections and never answers, one that is down for a while, one that
// refuses what it is sent. The other members must not notice.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { configure, type LogRecord, reset } from "@logtape/logtape";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommunity, updateCommunity } from "../../src/operations/communities.ts";
import { queueStatus, retryDeliveries } from "../../src/operations/queue.ts";
import { addMembers } from "../support/members.ts";
import { sleep, waitFor } from "../support/net.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";
import { type RawHost, startRawHost } from "../support/raw-host.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const records: LogRecord[] = [];
const deliveryLog = () => records
  .filter((r) => r.category.join(".") === "praxis.federation.delivery")
  .map((r) => ({ level: r.level, text: r.message.map((p) => (typeof p === "string" ? p : JSON.stringify(p))).join("") }));

beforeAll(async () => {
  await configure({
    reset: true,
    sinks: { memory: (record) => records.push(record) },
    loggers: [
      { category: "praxis", lowestLevel: "info", sinks: ["memory"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: [] },
    ],
  });
});
afterAll(async () => reset());

/** Update(Group) activities (one per call) each member's inbox on `host` received. */
function updatesAt(host: RawHost, user: string): string[] {
  return host.inboxPosts((r) => r.path === `/users/${user}/inbox` && r.json?.type === "Update").map((r) => r.json.id);
}

describe("a member's server that accepts connections and never answers", () => {
  let praxis: TestPraxis;
  let tarpit: RawHost;
  const healthy: RawHost[] = [];
  const TARPIT_MEMBERS = 12;
  const UPDATES = 4;

  beforeAll(async () => {
    tarpit = await startRawHost("127.0.0.20");
    for (let i = 0; i < 10; i++) healthy.push(await startRawHost(`127.0.0.${21 + i}`));
    // Eight slots: the tarpit's deliveries alone would fill them all.
    praxis = await startPraxis({ queue: { concurrency: 8, pollIntervalMs: 25, leaseSeconds: 30 } });
    await createCommunity(praxis, "commons", { name: "Commons" });
    const stuck = Array.from({ length: TARPIT_MEMBERS }, (_, i) => `t${i}`);
    for (const user of stuck) tarpit.route(`/users/${user}/inbox`, () => "hang");
    // The tarpit's members joined first, so their deliveries are queued first.
    await addMembers(praxis, "commons", stuck.map((u) => ({ uri: `${tarpit.origin}/users/${u}`, inbox: `${tarpit.origin}/users/${u}/inbox` })));
    await addMembers(praxis, "commons", healthy.map((h) => ({ uri: `${h.origin}/users/m`, inbox: `${h.origin}/users/m/inbox` })));
  });
  afterAll(async () => {
    await praxis?.stop();
    await tarpit?.stop();
    for (const h of healthy) await h.stop();
  });

  it("holds at most its share of the delivery slots: every other member gets every delivery promptly", async () => {
    for (let i = 0; i < UPDATES; i++) await updateCommunity(praxis, "commons", { summary: `Update ${i}` });
    // Before per-host caps and delivery deadlines, the tarpit held all eight
    // slots for minutes (the queue's 150 s handler timeout here).
    await waitFor(() => healthy.every((h) => new Set(updatesAt(h, "m")).size === UPDATES),
      `all ${UPDATES} updates at each of the 10 healthy members`, 45_000);
    const inFlight = (await queueStatus(praxis)).hosts.find((h) => h.host === new URL(tarpit.origin).host);
    expect(inFlight?.inFlight ?? 0).toBeLessThanOrEqual(4);
  });
});

describe("a member's server that is down for a while", () => {
  let praxis: TestPraxis;
  let flaky: RawHost;
  let down = true;
  /** Activity ids the member's server accepted (202). */
  const delivered = new Set<string>();

  beforeAll(async () => {
    flaky = await startRawHost("127.0.0.40");
    flaky.route("/users/f/inbox", (_req, body) => {
      if (down) return { status: 503, body: "Service Unavailable" };
      delivered.add(JSON.parse(body).id);
      return { status: 202 };
    });
    // Default circuit settings: opens after 5 failures, probes again after 30 s.
    praxis = await startPraxis();
    await createCommunity(praxis, "river", { name: "River" });
    await addMembers(praxis, "river", [{ uri: `${flaky.origin}/users/f`, inbox: `${flaky.origin}/users/f/inbox` }]);
  });
  afterAll(async () => {
    await praxis?.stop();
    await flaky?.stop();
  });

  it("shows the held host with its last error and next attempt, and delivers within a minute of its return", { timeout: 120_000 }, async () => {
    for (let i = 0; i < 3; i++) await updateCommunity(praxis, "river", { summary: `While down ${i}` });
    const host = new URL(flaky.origin).host;
    const status = await waitFor(async () => {
      const s = await queueStatus(praxis);
      const h = s.hosts.find((x) => x.host === host);
      return h?.circuit === "open" ? h : null;
    }, "the host's circuit to open", 30_000);
    expect(status).toMatchObject({ lastStatus: 503, lastError: expect.stringContaining("503"), nextAttemptAt: expect.any(String) });
    expect(status.delayed).toBeGreaterThan(0);

    // The operator's view, from the command line, of the same database.
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(ROOT, "bin/praxis.js"), "queue", "status"], {
      env: { ...process.env, PRAXIS_CONFIG: "", PRAXIS_DATA_DIR: praxis.dataDir, PRAXIS_ORIGIN: praxis.origin, PRAXIS_LOG_LEVEL: "error" },
    });
    expect(stdout).toMatch(/outbox/);
    expect(stdout).toContain(host);
    expect(stdout).toMatch(/held \(circuit open/);
    expect(stdout).toContain("HTTP 503");

    const posts = () => delivered.size;
    const attemptsWhileDown = flaky.inboxPosts().length;
    down = false;
    const back = Date.now();
    // Fedify's default circuit held the host for 30 minutes.
    await waitFor(() => posts() === 3, "the three updates after the host came back", 70_000);
    console.info(`delivery-faults: host back after ${attemptsWhileDown} failed attempts; all delivered ${Math.round((Date.now() - back) / 1000)} s later`);
    await waitFor(async () => (await praxis.deliveryHosts.list([host]))[0]?.failures === 0, "the host's state to clear");
    // Delivery is at least once: a second copy of an update (Fedify's retry of
    // a failed attempt) may still be in flight the moment the third distinct
    // one arrives; the host leaves the queue once it is done.
    await waitFor(async () => (await queueStatus(praxis)).hosts.find((h) => h.host === host) === undefined,
      "the host's deliveries to leave the queue", 15_000);
  });

  it("retries a held host at once on the operator's request", { timeout: 60_000 }, async () => {
    down = true;
    const host = new URL(flaky.origin).host;
    const before = delivered.size;
    for (let i = 0; i < 3; i++) await updateCommunity(praxis, "river", { summary: `Down again ${i}` });
    await waitFor(async () => (await queueStatus(praxis)).hosts.find((h) => h.host === host)?.circuit === "open",
      "the host's circuit to open again", 30_000);
    down = false;
    const result = await retryDeliveries(praxis, { host });
    expect(result.circuitsClosed).toEqual([host]);
    expect(result.rescheduled).toBeGreaterThan(0);
    // Well before the 30 s probe.
    await waitFor(() => delivered.size === before + 3, "the held updates after queue retry", 15_000);
  });
});

describe("a member's server that refuses a delivery", () => {
  let praxis: TestPraxis;
  let peer: RawHost;

  beforeAll(async () => {
    peer = await startRawHost("127.0.0.50");
    peer.route("/users/echo/inbox", () => ({ status: 400, body: { error: "Refusing an echo of our own post" } }));
    peer.route("/users/strict/inbox", () => ({ status: 422, body: { error: "Unprocessable" } }));
    peer.route("/users/gone/inbox", () => ({ status: 410, body: { error: "Gone" } }));
    praxis = await startPraxis();
    await createCommunity(praxis, "forum", { name: "Forum" });
    await addMembers(praxis, "forum", ["echo", "strict", "gone"].map((u) => ({ uri: `${peer.origin}/users/${u}`, inbox: `${peer.origin}/users/${u}/inbox` })));
  });
  afterAll(async () => {
    await praxis?.stop();
    await peer?.stop();
  });

  it("does not retry 400 or 422, logs each once at info, and removes only the member whose server answers 410", async () => {
    await updateCommunity(praxis, "forum", { summary: "Refused" });
    await waitFor(() => deliveryLog().filter((l) => l.text.includes("not retrying")).length === 3, "one attempt at each inbox");
    // One attempt is one request, or two when the first signature format is
    // refused (Fedify's double knock); a retry would come within a few
    // seconds (Fedify's first backoff is 1–2 s).
    const attempted = ["echo", "strict", "gone"].map((u) => updatesAt(peer, u).length);
    expect(attempted.every((n) => n >= 1 && n <= 2)).toBe(true);
    await sleep(6000);
    expect(["echo", "strict", "gone"].map((u) => updatesAt(peer, u).length)).toEqual(attempted);
    const community = await praxis.services.repos.communities.findBySlug("forum");
    const members = (await praxis.services.repos.memberships.list(community!.id, "accepted")).map((m) => m.actorUri).sort();
    expect(members).toEqual([`${peer.origin}/users/echo`, `${peer.origin}/users/strict`]);
    const refusals = deliveryLog().filter((l) => l.text.includes("not retrying"));
    expect(refusals.map((l) => l.level)).toEqual(["info", "info", "info"]);
    for (const [user, status] of [["echo", 400], ["strict", 422], ["gone", 410]] as const) {
      expect(refusals.filter((l) => l.text.includes(`/users/${user}/inbox`) && l.text.includes(String(status)))).toHaveLength(1);
    }
    expect(await praxis.queue.stats()).toMatchObject({ ready: 0, delayed: 0, leased: 0 });
  });
});
