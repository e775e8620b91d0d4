// Shutting down while requests are in flight: a SIGTERM during a peer's
// delivery lets that delivery finish (its 202 is sent, what it queued is
// written) instead of resetting the connection and leaving the handler to
// run against a closed database. A request that outlives the bound is cut.
import path from "node:path";
import SQLite from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { createCommunity } from "../../src/operations/communities.ts";
import { waitFor } from "../support/net.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";
import { AS_CONTEXT, type RawHost, startRawHost } from "../support/raw-host.ts";

let praxis: TestPraxis | null = null;
let host: RawHost | null = null;

afterEach(async () => {
  await host?.stop();
  host = null;
  if (praxis) await praxis.stop().catch(() => {});
  praxis = null;
});

/** A first contact whose actor document (holding its key) is served after `delayMs`, or never. */
async function slowFirstContact(delayMs: number | "hang") {
  praxis = await startPraxis();
  host = await startRawHost("127.0.0.7");
  await createCommunity(praxis, "calm", { name: "Calm" });
  const group = `${praxis.origin}/c/calm`;
  const slow = await host.actor("slow");
  const actorPath = new URL(slow.id).pathname;
  host.route(actorPath, async () => {
    if (delayMs === "hang") return "hang";
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    return { status: 200, body: slow.document };
  });
  const follow = { "@context": AS_CONTEXT, id: host.newId("follows"), type: "Follow", actor: slow.id, object: group };
  const answer = host.send(`${group}/inbox`, follow, slow).then((r) => r.status, (e: Error) => e);
  // The request is in flight once Praxis asks for the signer's key.
  await waitFor(() => host!.requests.find((r) => r.method === "GET" && r.path === actorPath), "the key fetch");
  return { answer, followId: follow.id };
}

/** Whether the instance's database (closed, read from its file) holds a queued message naming `id`. */
function queued(dataDir: string, id: string): boolean {
  const db = new SQLite(path.join(dataDir, "praxis.sqlite"), { readonly: true });
  try {
    return (db.prepare("select count(*) as n from fedify_message where payload like ?").get(`%${id}%`) as { n: number }).n > 0;
  } finally {
    db.close();
  }
}

describe("shutdown with requests in flight", () => {
  it("lets a delivery under way finish before closing the database", async () => {
    const { answer, followId } = await slowFirstContact(400);
    const closing = praxis!.close();
    // It failed before: the connection was reset at once ("other side closed").
    expect(await answer).toBe(202);
    await closing;
    // The worker stopped first: the Follow waits in the queue for the next start.
    expect(queued(praxis!.dataDir, followId)).toBe(true);
  });

  it("cuts a request that outlives the bound, and still closes", async () => {
    const { answer } = await slowFirstContact("hang");
    const started = Date.now();
    await praxis!.close({ requestDrainMs: 300 });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await answer).toBeInstanceOf(Error);
  });
});
