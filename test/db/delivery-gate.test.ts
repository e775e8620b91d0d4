// The delivery gate between Fedify and the queue: deliveries to hosts the
// domain policy refuses are dropped when enqueued and when taken.
import type { MessageQueue } from "@fedify/fedify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRepositories, type Repositories } from "../../src/db/repositories/index.ts";
import { DeliveryGate } from "../../src/federation/delivery-gate.ts";
import { DomainPolicy } from "../../src/federation/domain-policy.ts";
import { createTestDatabase, DIALECTS, postgresUnavailable, type TestDatabase } from "./databases.ts";

/** A plain in-memory queue: listen() hands over what is enqueued. */
function memoryQueue(): MessageQueue & { messages: unknown[]; drain(): Promise<unknown[]> } {
  const messages: unknown[] = [];
  let handler: ((m: any) => Promise<void> | void) | null = null;
  return {
    messages,
    async enqueue(m) { messages.push(m); },
    async enqueueMany(ms) { messages.push(...ms); },
    async listen(h) { handler = h; },
    async drain() {
      const handled: unknown[] = [];
      for (const m of messages.splice(0)) {
        await handler!({ ...(m as object) });
        handled.push(m);
      }
      return handled;
    },
  };
}

const outbox = (inbox: string) => ({ type: "outbox", inbox, activityId: `${inbox}#a`, activity: {} });

describe.each(DIALECTS)("delivery gate on %s", (dialect) => {
  let database: TestDatabase;
  let repos: Repositories;

  beforeAll(async () => {
    if (dialect === "postgres" && postgresUnavailable) return;
    database = await createTestDatabase(dialect);
    repos = createRepositories(database.db, database.dialect);
  });
  afterAll(async () => database?.dispose());

  it.skipIf(dialect === "postgres" && postgresUnavailable)("drops deliveries to blocked hosts and their subdomains, at enqueue and at delivery", async () => {
    const policy = new DomainPolicy(repos.domains, "open");
    const inner = memoryQueue();
    const gate = new DeliveryGate(inner, policy);
    const delivered: unknown[] = [];
    await gate.listen((m) => { delivered.push(m); });

    await repos.domains.block("blocked.example", null, "test");
    policy.invalidate();
    await gate.enqueueMany([outbox("https://blocked.example/inbox"), outbox("https://a.blocked.example/inbox"), outbox("https://fine.example/inbox")]);
    await gate.enqueue(outbox("https://blocked.example/users/x/inbox"));
    expect(inner.messages).toEqual([outbox("https://fine.example/inbox")]);

    // Queued before the block, taken after it: dropped too.
    await gate.enqueue(outbox("https://late.example/inbox"));
    await repos.domains.block("late.example", null, "test");
    policy.invalidate();
    await inner.drain();
    expect(delivered).toEqual([outbox("https://fine.example/inbox")]);
  });

  it.skipIf(dialect === "postgres" && postgresUnavailable)("in allowlist mode passes only listed hosts; other messages pass untouched", async () => {
    const policy = new DomainPolicy(repos.domains, "allowlist");
    const inner = memoryQueue();
    const gate = new DeliveryGate(inner, policy);
    await repos.domains.allow("friends.example", "test");
    const fanout = { type: "fanout", inboxes: {} };
    await gate.enqueueMany([outbox("https://friends.example/inbox"), outbox("https://stranger.example/inbox"), fanout]);
    expect(inner.messages).toEqual([outbox("https://friends.example/inbox"), fanout]);
  });
});
