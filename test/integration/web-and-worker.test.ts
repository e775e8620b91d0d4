// Praxis deployed as a web process and a worker process sharing one
// database (role web, role worker), on SQLite in one data directory and on
// PostgreSQL: what the web process accepts (its inbox, its operations) the
// worker process handles and delivers.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommunity } from "../../src/operations/communities.ts";
import { postgresUnavailable } from "../db/databases.ts";
import { waitFor } from "../support/net.ts";
import { createThrowawaySchema, type ThrowawaySchema } from "../support/postgres.ts";
import type { TestPraxis } from "../support/praxis.ts";
import { followAndPost } from "../support/follow-and-post.ts";
import { type RawActor, type RawHost, startRawHost } from "../support/raw-host.ts";
import { startWebAndWorker } from "../support/web-and-worker.ts";

describe.each([
  { dialect: "sqlite", address: "127.0.0.91" },
  { dialect: "postgres", address: "127.0.0.92" },
])("a web and a worker process on $dialect", ({ dialect, address }) => {
  const skip = dialect === "postgres" && postgresUnavailable !== undefined;
  let praxis: TestPraxis & { worker: { pid?: number } };
  let schema: ThrowawaySchema | undefined;
  let host: RawHost;
  let ana: RawActor;
  let group: string;

  beforeAll(async () => {
    if (skip) return;
    schema = dialect === "postgres" ? await createThrowawaySchema("webworker") : undefined;
    // The web process runs no worker: every handler below ran in the other process.
    praxis = await startWebAndWorker(schema?.url ?? null);
    host = await startRawHost(address);
    ana = await host.actor("ana");
    await createCommunity(praxis, "orchard", { name: "Orchard" });
    group = `${praxis.origin}/c/orchard`;
  }, 60_000);
  afterAll(async () => {
    await host?.stop();
    await praxis?.stop();
    await schema?.drop();
  });

  it.skipIf(skip)("answers a follow and relays a post, handled and delivered by the worker process", async () => {
    expect(praxis.config.role).toBe("web");
    expect(praxis.worker.pid).toBeGreaterThan(0);
    const note = await followAndPost(host, ana, group, "<p>Pruning day on Saturday</p>");
    await waitFor(() => host.inboxPosts((r) => r.json?.type === "Announce" && (r.json?.object as { id?: string })?.id === `${note}/activity`)[0],
      "the Announce of the Create", 20_000);
  }, 60_000);
});
