// What Praxis sends and fetches over HTTP, against hosts that misbehave:
// private addresses (SSRF), keys that never arrive, documents far too large,
// and look-ups of servers that never answer.
import { configure, type LogRecord, reset } from "@logtape/logtape";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommunity, updateCommunity } from "../../src/operations/communities.ts";
import { requestParent } from "../../src/operations/links.ts";
import { addMembers } from "../support/members.ts";
import { sleep, waitFor } from "../support/net.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";
import { type RawHost, startRawHost } from "../support/raw-host.ts";

const records: LogRecord[] = [];
const messagesOf = (category: string) => records
  .filter((r) => r.category.join(".") === category)
  .map((r) => r.message.map((part) => (typeof part === "string" ? part : JSON.stringify(part))).join(""));

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

async function queueEmpty(praxis: TestPraxis): Promise<boolean> {
  const s = await praxis.queue.stats();
  return s.ready + s.delayed + s.leased === 0;
}

describe("private addresses (allowPrivateAddress off)", () => {
  let strict: TestPraxis;
  let lenient: TestPraxis;
  let host: RawHost;

  beforeAll(async () => {
    host = await startRawHost("127.0.0.1");
    // Two instances in one process: the policy is per instance, not global.
    strict = await startPraxis({ allowPrivateAddress: false });
    lenient = await startPraxis({ allowPrivateAddress: true });
    await createCommunity(strict, "guarded", { name: "Guarded" });
    await createCommunity(lenient, "open", { name: "Open" });
    const port = new URL(host.origin).port;
    await addMembers(strict, "guarded", [
      // An IP literal, and a name that resolves to loopback.
      { uri: `${host.origin}/users/literal`, inbox: `${host.origin}/users/literal/inbox` },
      { uri: `http://localhost:${port}/users/named`, inbox: `http://localhost:${port}/users/named/inbox` },
    ]);
    await addMembers(lenient, "open", [{ uri: `${host.origin}/users/control`, inbox: `${host.origin}/users/control/inbox` }]);
  });
  afterAll(async () => {
    await strict?.stop();
    await lenient?.stop();
    await host?.stop();
  });

  it("never posts a delivery to a loopback inbox, logs the refusal once per delivery and drops it", async () => {
    await updateCommunity(lenient, "open", { summary: "Control: delivered" });
    await updateCommunity(strict, "guarded", { summary: "Must not leave" });
    await waitFor(() => host.inboxPosts((r) => r.path === "/users/control/inbox").length === 1, "the control delivery");
    await waitFor(async () => messagesOf("praxis.federation.delivery").filter((m) => m.includes("not a public address")).length === 2
      && await queueEmpty(strict), "both refusals and an empty queue");
    // Nothing is retried: the queue stays empty and no request ever reaches the listener.
    await sleep(3000);
    expect(await queueEmpty(strict)).toBe(true);
    expect(host.inboxPosts((r) => r.path !== "/users/control/inbox")).toEqual([]);
    const refusals = messagesOf("praxis.federation.delivery").filter((m) => m.includes("not a public address"));
    expect(refusals).toHaveLength(2);
    expect(refusals.some((m) => m.includes("/users/literal/inbox"))).toBe(true);
    expect(refusals.some((m) => m.includes("localhost") && m.includes("/users/named/inbox"))).toBe(true);
    const hosts = await strict.deliveryHosts.list();
    expect(hosts.map((h) => h.lastError)).toEqual([expect.stringContaining("not a public address"), expect.stringContaining("not a public address")]);
  });

  it("refuses an operator's look-up of a loopback URL without sending it", async () => {
    const before = host.requests.length;
    await expect(strict.run(() => requestParent(strict, "guarded", `${host.origin}/c/parent`, "test"))).rejects.toThrow();
    expect(host.requests.length).toBe(before);
  });
});

describe("fetch deadlines and size limits", () => {
  let praxis: TestPraxis;
  let host: RawHost;

  beforeAll(async () => {
    host = await startRawHost("127.0.0.4");
    praxis = await startPraxis({ outbound: { fetchTimeoutSeconds: 2, maxResponseBytes: 1_048_576 } });
    await createCommunity(praxis, "garden", { name: "Garden" });
  });
  afterAll(async () => {
    await praxis?.stop();
    await host?.stop();
  });

  it("answers an inbox POST whose key is on a server that never answers within the fetch deadline", async () => {
    const mallory = await host.actor("mallory");
    host.route("/users/mallory", () => "hang");
    const started = Date.now();
    const response = await host.send(`${praxis.origin}/c/garden/inbox`, {
      "@context": "https://www.w3.org/ns/activitystreams",
      id: host.newId("follows"), type: "Follow", actor: mallory.id, object: `${praxis.origin}/c/garden`,
    }, mallory);
    // Without a deadline the request is pinned until Node's 300 s header timeout.
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(response.status).toBe(401);
    const community = await praxis.services.repos.communities.findBySlug("garden");
    expect(await praxis.services.repos.memberships.get(community!.id, mallory.id)).toBeNull();
  });

  it("gives all the fetches of one inbox POST one budget, Fedify's second signature knock included", async () => {
    const budgeted = await startPraxis({ outbound: { fetchTimeoutSeconds: 4, inboxFetchBudgetSeconds: 2 } });
    try {
      await createCommunity(budgeted, "garden", { name: "Garden" });
      const mallory = await host.actor("mallory2");
      host.route("/users/mallory2", () => "hang");
      const started = Date.now();
      const response = await host.send(`${budgeted.origin}/c/garden/inbox`, {
        "@context": "https://www.w3.org/ns/activitystreams",
        id: host.newId("follows"), type: "Follow", actor: mallory.id, object: `${budgeted.origin}/c/garden`,
      }, mallory);
      expect(response.status).toBe(401);
      // Two knocks of 4 s each without the budget (8 s or more); 2 s with it.
      expect(Date.now() - started).toBeLessThan(6_000);
      expect(host.requests.filter((r) => r.path === "/users/mallory2").length).toBeGreaterThanOrEqual(1);
    } finally {
      await budgeted.stop();
    }
  });

  it("does not read a 40 MiB actor document: the key fetch is aborted and the request refused", async () => {
    const whale = await host.actor("whale", { summary: "x".repeat(40 * 1024 * 1024) });
    const response = await host.send(`${praxis.origin}/c/garden/inbox`, {
      "@context": "https://www.w3.org/ns/activitystreams",
      id: host.newId("follows"), type: "Follow", actor: whale.id, object: `${praxis.origin}/c/garden`,
    }, whale);
    // Read whole, the document verifies the signature and the Follow is accepted (202).
    expect(response.status).toBe(401);
    const community = await praxis.services.repos.communities.findBySlug("garden");
    expect(await praxis.services.repos.memberships.get(community!.id, whale.id)).toBeNull();
  });

  it("gives up an operator's look-up of a server that never answers within the fetch deadline", async () => {
    host.route("/c/parent", () => "hang");
    const started = Date.now();
    await expect(praxis.run(() => requestParent(praxis, "garden", `${host.origin}/c/parent`, "test"))).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
