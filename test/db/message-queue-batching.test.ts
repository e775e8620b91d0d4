// The queue's statements are batched and its kinds of messages have their own
// slots: a fan-out's deliveries (enqueued by Fedify one call each, because
// they carry ordering keys) are one INSERT, handled messages are claimed and
// acknowledged in batches, and a backlog of deliveries never holds up an
// incoming activity.
import { execFile } from "node:child_process";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import SQLite from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KyselyMessageQueue, type KyselyMessageQueueOptions } from "../../src/db/message-queue.ts";
import { postgresNotifyWake, sqliteQueueWake } from "../../src/db/queue-wake.ts";
import { createTestDatabase, DIALECTS, postgresUnavailable, type TestDatabase } from "./databases.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`Condition not met within ${timeoutMs} ms`);
    await sleep(20);
  }
}

/** Counts the SQLite statements run, by the start of their text, while `work` runs. */
async function countStatements<T>(work: () => Promise<T>): Promise<{ result: T; count: (prefix: string) => number }> {
  const probe = new SQLite(":memory:");
  const proto = Object.getPrototypeOf(probe.prepare("select 1")) as Record<string, (...args: unknown[]) => unknown>;
  probe.close();
  const seen: string[] = [];
  const originals = { run: proto.run, all: proto.all };
  for (const method of ["run", "all"] as const) {
    const original = originals[method];
    proto[method] = function (this: SQLite.Statement, ...args: unknown[]) {
      seen.push(this.source);
      return original.apply(this, args);
    };
  }
  try {
    const result = await work();
    return { result, count: (prefix) => seen.filter((text) => text.startsWith(prefix)).length };
  } finally {
    proto.run = originals.run;
    proto.all = originals.all;
  }
}

const delivery = (n: number) => ({ type: "outbox", inbox: `https://host${n % 7}.example/inbox`, n });

for (const dialect of DIALECTS) {
  describe.skipIf(dialect === "postgres" && postgresUnavailable !== undefined)(`queue batching and lanes on ${dialect}`, () => {
    let database: TestDatabase;
    let listeners: { controller: AbortController; listening: Promise<void> }[];

    beforeEach(async () => {
      database = await createTestDatabase(dialect);
      listeners = [];
    });
    afterEach(async () => {
      for (const { controller } of listeners) controller.abort();
      await Promise.all(listeners.map(({ listening }) => listening));
      await database.dispose();
    });

    function createQueue(options: Omit<KyselyMessageQueueOptions, "dialect"> = {}): KyselyMessageQueue {
      return new KyselyMessageQueue(database.db, { dialect, pollIntervalMs: 100, ...options });
    }

    function listen(queue: KyselyMessageQueue, handler: (message: any) => unknown): void {
      const controller = new AbortController();
      listeners.push({ controller, listening: queue.listen(async (m) => { await handler(m); }, { signal: controller.signal }) });
    }

    it("writes the enqueues of one turn together, each keeping its key and its place", async () => {
      const queue = createQueue();
      const write = () => Promise.all(Array.from({ length: 60 }, (_, n) => queue.enqueue(delivery(n), { orderingKey: `note-${n % 3}` })));
      if (dialect === "sqlite") {
        const { count } = await countStatements(write);
        expect(count('insert into "fedify_message"')).toBe(1);
      } else {
        await write();
      }
      const rows = await database.db.selectFrom("fedify_message").select(["payload", "ordering_key", "seq"]).orderBy("seq").execute();
      expect(rows.map((r) => JSON.parse(r.payload).n)).toEqual(Array.from({ length: 60 }, (_, n) => n));
      expect(rows.map((r) => r.ordering_key)).toEqual(Array.from({ length: 60 }, (_, n) => `note-${n % 3}`));
    });

    it.runIf(dialect === "sqlite")("does not look for more at every delivery that finishes while the only host left is at its cap", async () => {
      // One busy host: every claim would read past its whole backlog to find nothing it may take.
      const queue = createQueue({ concurrency: 16, hostConcurrency: 4 });
      const total = 200;
      await queue.enqueueMany(Array.from({ length: total }, (_, n) => ({ type: "outbox", inbox: "https://busy.example/inbox", n })));
      let handled = 0;
      const { count } = await countStatements(async () => {
        listen(queue, async () => {
          await sleep(1 + Math.random() * 3);
          handled++;
        });
        await waitFor(() => handled === total);
      });
      // At most one delivery per claim would mean one claim (and one empty look) per delivery: about 200 before this
      // was fixed, about 110 since (a claim of up to 4, then an empty look, every 4 deliveries).
      expect(count('update "fedify_message" set "lease_token"')).toBeLessThan(total * 0.75);
    });

    it.runIf(dialect === "sqlite")("claims once per message that comes alone, and never while idle: an idle lane reads before it claims", async () => {
      const queue = createQueue({ pollIntervalMs: 50 });
      const handled: number[] = [];
      const total = 10;
      const { count } = await countStatements(async () => {
        listen(queue, (m: { n: number }) => { handled.push(m.n); });
        // Ten polls of each of the four lanes.
        await sleep(500);
        for (let n = 0; n < total; n++) {
          await queue.enqueue(delivery(n));
          await waitFor(() => handled.length === n + 1);
          // The delivery finished: the lane looks for more, then sleeps through a poll.
          await sleep(60);
        }
      });
      // One claim per lane as the listener starts, then one per message. Before, every poll of every lane
      // claimed (about 40 here, with 10 more during the messages), and a message cost three claims: its
      // own, one more because the claim came back short, and one when it finished.
      expect(count('update "fedify_message" set "lease_token"')).toBeLessThanOrEqual(4 + total + 2);
      expect(handled).toEqual(Array.from({ length: total }, (_, n) => n));
    });

    it("takes a message that waited for its ordering key as soon as the one before it finishes, not at the next poll", async () => {
      const queue = createQueue({ pollIntervalMs: 10_000 });
      const handled: string[] = [];
      listen(queue, async (m: { name: string }) => {
        if (m.name === "create") await sleep(50);
        handled.push(m.name);
      });
      await sleep(100);
      const start = Date.now();
      await Promise.all([
        queue.enqueue({ type: "outbox", inbox: "https://a.example/inbox", name: "create" }, { orderingKey: "note-1" }),
        queue.enqueue({ type: "outbox", inbox: "https://b.example/inbox", name: "update" }, { orderingKey: "note-1" }),
      ]);
      await waitFor(() => handled.length === 2, 8_000);
      expect(handled).toEqual(["create", "update"]);
      expect(Date.now() - start).toBeLessThan(3_000);
    });

    it.runIf(dialect === "sqlite")("claims and acknowledges in batches, not message by message", async () => {
      const queue = createQueue({ concurrency: 16 });
      const total = 200;
      await queue.enqueueMany(Array.from({ length: total }, (_, n) => delivery(n)));
      let handled = 0;
      const { count } = await countStatements(async () => {
        listen(queue, async () => {
          await sleep(Math.random() * 4);
          handled++;
        });
        await waitFor(() => handled === total);
        await waitFor(async () => (await queue.stats()).leased === 0);
      });
      expect(count('update "fedify_message" set "lease_token"')).toBeLessThan(total / 3);
      // Acknowledged together are the handlers that finish in the same turn:
      // with these random handler times, 2.5 to 4 per statement (51–78
      // statements in 16 runs); one by one would be 200.
      expect(count('delete from "fedify_message"')).toBeLessThan(total / 2);
    });

    it("never makes an incoming activity wait behind a backlog of deliveries", async () => {
      const queue = createQueue({ concurrency: 2 });
      const order: string[] = [];
      listen(queue, async (m: { type: string; n?: number }) => {
        if (m.type === "outbox") await sleep(40);
        order.push(m.type);
      });
      await queue.enqueueMany(Array.from({ length: 100 }, (_, n) => delivery(n)));
      await waitFor(() => order.length > 0);
      await queue.enqueue({ type: "inbox", activity: { id: "https://remote.example/1" } });
      await waitFor(() => order.includes("inbox"));
      // With one queue in FIFO order it would come after all 100 deliveries.
      expect(order.indexOf("inbox")).toBeLessThan(20);
    });

    it("never loses a wake-up that comes while a claim is under way (ping-pong: each message enqueued as the last one is handled)", { timeout: 120_000 }, async () => {
      // A poll far beyond the waits below: a lost wake-up shows as a 10 s stall.
      const queue = createQueue({ pollIntervalMs: 10_000 });
      const handled: number[] = [];
      listen(queue, async (m: { n: number }) => {
        handled.push(m.n);
        // The next message is enqueued while the listener, this delivery done, looks for more.
        if (m.n < 39) void queue.enqueue({ n: m.n + 1 });
      });
      const start = Date.now();
      await queue.enqueue({ n: 0 });
      await waitFor(() => handled.length === 40, 8_000);
      expect(handled).toEqual(Array.from({ length: 40 }, (_, n) => n));
      expect(Date.now() - start).toBeLessThan(8_000);
    });

    it("takes at once what another process enqueues, without waiting for its poll", async () => {
      // As the app sets it up: on SQLite, only another connection's enqueues wake the listener.
      const wake = dialect === "sqlite" ? sqliteQueueWake(database.options.url, database.changedElsewhere) : postgresNotifyWake(database.options.url);
      const queue = new KyselyMessageQueue(database.db, { dialect, pollIntervalMs: 10_000, wake });
      const received: number[] = [];
      listen(queue, () => { received.push(Date.now()); });
      await sleep(500);
      const moduleUrl = (p: string) => pathToFileURL(new URL(p, import.meta.url).pathname).href;
      const sentAt = Date.now();
      // The CLI, say: another process enqueues and exits.
      await promisify(execFile)(process.execPath, ["--input-type=module", "-e", `
        import { openDatabase } from ${JSON.stringify(moduleUrl("../../src/db/database.ts"))};
        import { KyselyMessageQueue } from ${JSON.stringify(moduleUrl("../../src/db/message-queue.ts"))};
        import { sqliteWake } from ${JSON.stringify(moduleUrl("../../src/db/queue-wake.ts"))};
        const { db, dialect, close } = openDatabase(${JSON.stringify(database.options)});
        // As the app announces its enqueues (PostgreSQL's send their NOTIFY themselves).
        const announce = dialect === "sqlite" ? sqliteWake(${JSON.stringify(database.options.url)}).announce : undefined;
        await new KyselyMessageQueue(db, { dialect, announce }).enqueue({ type: "inbox", activity: { id: "https://remote.example/1" } });
        await close();
      `]);
      await waitFor(() => received.length === 1, 8_000);
      // Well within the 10 s poll interval (process start-up included).
      expect(received[0] - sentAt).toBeLessThan(5_000);
    });

    it("lets a handler record its progress, and redelivers the message as recorded", async () => {
      const queue = createQueue({ drainTimeoutMs: 0 });
      const seen: unknown[] = [];
      const controller = new AbortController();
      const first = queue.listen(async (m: { step: number }) => {
        seen.push(m);
        await queue.checkpoint({ step: m.step + 1 });
        return new Promise(() => {});
      }, { signal: controller.signal });
      await queue.enqueue({ step: 1 });
      await waitFor(() => seen.length === 1);
      await sleep(50);
      controller.abort();
      await first;
      listen(queue, (m) => { seen.push(m); });
      await waitFor(() => seen.length === 2);
      expect(seen).toEqual([{ step: 1 }, { step: 2 }]);
    });
  });
}
