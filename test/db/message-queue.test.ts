import { spawn } from "node:child_process";
import { once } from "node:events";
import { pathToFileURL } from "node:url";
import { Temporal } from "@js-temporal/polyfill";
import { testMessageQueue } from "@fedify/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KyselyMessageQueue, type KyselyMessageQueueOptions } from "../../src/db/message-queue.ts";
import { postgresNotifyWake } from "../../src/db/queue-wake.ts";
import { createTestDatabase, DIALECTS, postgresUnavailable, type TestDatabase } from "./databases.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`Condition not met within ${timeoutMs} ms`);
    await sleep(20);
  }
}

/** Fedify runs on the Temporal polyfill; only the TypeScript lib's declaration differs. */
function duration(like: Temporal.DurationLike): globalThis.Temporal.Duration {
  return Temporal.Duration.from(like) as unknown as globalThis.Temporal.Duration;
}

type Options = Omit<KyselyMessageQueueOptions, "dialect">;

for (const dialect of DIALECTS) {
  describe.skipIf(dialect === "postgres" && postgresUnavailable !== undefined)(`KyselyMessageQueue on ${dialect}`, () => {
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

    /** A queue on its own connection, as another process would have. */
    function createQueue(options: Options = {}): KyselyMessageQueue {
      return new KyselyMessageQueue(database.connect().db, { dialect, pollIntervalMs: 100, ...options });
    }

    function listen(queue: KyselyMessageQueue, handler: (message: any) => unknown) {
      const controller = new AbortController();
      const listening = queue.listen(async (message) => { await handler(message); }, { signal: controller.signal });
      const listener = { controller, listening };
      listeners.push(listener);
      return listener;
    }

    it.skipIf(dialect !== "postgres")("wakes a listener in another process at once: an enqueue's NOTIFY goes with its insert", async () => {
      // Polling once a minute: only the NOTIFY can bring the messages in time.
      const listener = createQueue({ pollIntervalMs: 60_000, wake: postgresNotifyWake(database.options.url) });
      const received: { at: number; n: number }[] = [];
      listen(listener, (message: { n: number }) => { received.push({ at: Date.now(), n: message.n }); });
      await new Promise((resolve) => setTimeout(resolve, 500)); // LISTEN is in place
      // The sender is another process: this one's listeners are not told directly.
      const moduleUrl = (path: string) => pathToFileURL(new URL(path, import.meta.url).pathname).href;
      const sentAt = Date.now();
      const child = spawn(process.execPath, ["--input-type=module", "-e", `
        import { openDatabase } from ${JSON.stringify(moduleUrl("../../src/db/database.ts"))};
        import { KyselyMessageQueue } from ${JSON.stringify(moduleUrl("../../src/db/message-queue.ts"))};
        const { db, dialect, close } = openDatabase(${JSON.stringify(database.options)});
        const queue = new KyselyMessageQueue(db, { dialect });
        await queue.enqueue({ n: 1 });
        await Promise.all([2, 3, 4].map((n) => queue.enqueue({ n })));
        await close();
      `], { stdio: ["ignore", "inherit", "inherit"] });
      const [code] = await once(child, "exit");
      expect(code).toBe(0);
      const deadline = Date.now() + 10_000;
      while (received.length < 4 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(received.map((r) => r.n).sort()).toEqual([1, 2, 3, 4]);
      // Well within the minute the listener would otherwise wait (the child's start-up included).
      expect(Math.max(...received.map((r) => r.at)) - sentAt).toBeLessThan(8_000);
    });

    it("passes Fedify's conformance suite, ordering keys included", { timeout: 120_000 }, async () => {
      await testMessageQueue(
        () => createQueue({ pollIntervalMs: 500 }),
        ({ controller }) => controller.abort(),
        { testOrderingKey: true },
      );
    });

    it("redelivers a message whose listener stopped mid-handler", async () => {
      const stopping = createQueue({ drainTimeoutMs: 0 });
      let started = false;
      const first = listen(stopping, () => {
        started = true;
        return new Promise(() => {});
      });
      await stopping.enqueue({ type: "outbox", id: 1 });
      await waitFor(() => started);
      const abortedAt = Date.now();
      first.controller.abort();
      await first.listening;
      expect(Date.now() - abortedAt).toBeLessThan(1000);

      const received: unknown[] = [];
      listen(createQueue(), (message) => received.push(message));
      await waitFor(() => received.length === 1);
      expect(received).toEqual([{ type: "outbox", id: 1 }]);
      await waitFor(async () => (await stopping.stats()).leased === 0);
      expect(await database.db.selectFrom("fedify_message").selectAll().execute()).toEqual([]);
    });

    it("lets in-flight handlers finish when the listener stops", async () => {
      const queue = createQueue();
      let finished = false;
      const listener = listen(queue, async () => {
        await sleep(300);
        finished = true;
      });
      await queue.enqueue("slow");
      await waitFor(async () => (await queue.stats()).leased === 1);
      listener.controller.abort();
      await listener.listening;
      expect(finished).toBe(true);
      expect(await queue.stats()).toMatchObject({ ready: 0, leased: 0, dead: 0 });
    });

    it("redelivers a message once the lease of a killed process expires", async () => {
      const queue = createQueue();
      await queue.enqueue({ type: "inbox", id: "crash" });
      const moduleUrl = (path: string) => pathToFileURL(new URL(path, import.meta.url).pathname).href;
      const child = spawn(process.execPath, ["--input-type=module", "-e", `
        import { openDatabase } from ${JSON.stringify(moduleUrl("../../src/db/database.ts"))};
        import { KyselyMessageQueue } from ${JSON.stringify(moduleUrl("../../src/db/message-queue.ts"))};
        const { db, dialect } = openDatabase(${JSON.stringify(database.options)});
        const queue = new KyselyMessageQueue(db, { dialect, leaseMs: 1000, pollIntervalMs: 50 });
        await queue.listen(() => {
          process.stdout.write("handling\\n");
          return new Promise(() => {});
        });
      `], { stdio: ["ignore", "pipe", "inherit"] });
      const [output] = await once(child.stdout, "data");
      expect(String(output)).toBe("handling\n");
      child.kill("SIGKILL");
      await once(child, "exit");
      expect(await queue.stats()).toMatchObject({ leased: 1, ready: 0 });

      const received: unknown[] = [];
      listen(queue, (message) => received.push(message));
      await waitFor(() => received.length === 1);
      expect(received).toEqual([{ type: "inbox", id: "crash" }]);
    });

    it("retries a failing handler with backoff, then keeps a dead letter", async () => {
      const queue = createQueue({ maxAttempts: 3, backoff: (attempt) => 150 * attempt });
      const attempts = new Map<string, number[]>();
      let healthy = false;
      listen(queue, (message: { type: string; id: string; keys: string }) => {
        attempts.set(message.id, [...(attempts.get(message.id) ?? []), Date.now()]);
        if (!healthy && message.id !== "flaky") throw new Error(`boom ${message.id}`);
        if (message.id === "flaky" && attempts.get("flaky")!.length === 1) throw new Error("flaky");
      });
      await queue.enqueue({ type: "outbox", id: "a", keys: "PRIVATE KEY a" });
      await queue.enqueue({ type: "outbox", id: "b", keys: "PRIVATE KEY b" });
      await queue.enqueue({ type: "fanout", id: "flaky", keys: "PRIVATE KEY" });
      await waitFor(async () => (await queue.stats()).dead === 2);

      const times = attempts.get("a")!;
      expect(times).toHaveLength(3);
      expect(times[1] - times[0]).toBeGreaterThanOrEqual(150);
      expect(times[2] - times[1]).toBeGreaterThanOrEqual(300);
      expect(attempts.get("flaky")).toHaveLength(2);

      const dead = await queue.deadLetters();
      expect(dead.map((letter) => letter.payloadType)).toEqual(["outbox", "outbox"]);
      expect(dead[0]).toMatchObject({ attempts: 3, lastError: expect.stringMatching(/^Error: boom [ab]/) });
      expect(dead[0].createdAt).toBeInstanceOf(Date);
      expect(JSON.stringify(dead)).not.toContain("PRIVATE KEY");

      healthy = true;
      expect(await queue.retryDead(dead[0].id)).toBe(1);
      await waitFor(() => attempts.get("a")!.length + attempts.get("b")!.length === 7);
      await waitFor(async () => (await queue.stats()).leased === 0);
      expect(await queue.stats()).toMatchObject({ ready: 0, delayed: 0, leased: 0, dead: 1 });
      expect(await queue.purgeDead()).toBe(1);
      expect(await database.db.selectFrom("fedify_message").selectAll().execute()).toEqual([]);
    });

    it("treats a handler that outlives its timeout as failed", async () => {
      const queue = createQueue({ handlerTimeoutMs: 200, backoff: () => 50 });
      let calls = 0;
      listen(queue, () => (++calls === 1 ? new Promise(() => {}) : undefined));
      await queue.enqueue("hangs once");
      await waitFor(() => calls === 2);
      await waitFor(async () => (await queue.stats()).leased === 0);
      expect(await queue.stats()).toMatchObject({ ready: 0, delayed: 0, dead: 0 });
    });

    it("dead-letters a message whose deliveries never report back", async () => {
      const queue = createQueue({ maxAttempts: 3 });
      await queue.enqueue({ type: "inbox" });
      // As if three listeners had crashed while handling it.
      await database.db.updateTable("fedify_message")
        .set({ attempts: 3, lease_token: "crashed", locked_until: Date.now() - 1 }).execute();
      let handled = false;
      listen(queue, () => { handled = true; });
      await waitFor(async () => (await queue.stats()).dead === 1);
      expect(handled).toBe(false);
      const [letter] = await queue.deadLetters();
      expect(letter).toMatchObject({ attempts: 3, payloadType: "inbox", lastError: expect.stringContaining("Lease expired") });
    });

    it("holds a delayed message back until it is due", async () => {
      const queue = createQueue();
      const enqueuedAt = Date.now();
      await queue.enqueue("later", { delay: duration({ milliseconds: 1200 }) });
      expect(await queue.getDepth()).toEqual({ queued: 1, ready: 0, delayed: 1 });
      let receivedAt = 0;
      listen(queue, () => { receivedAt = Date.now(); });
      await waitFor(() => receivedAt > 0);
      expect(receivedAt - enqueuedAt).toBeGreaterThanOrEqual(1200);
      expect(receivedAt - enqueuedAt).toBeLessThan(1200 + 500);
    });

    it("keeps strict FIFO order per key across concurrent listeners", async () => {
      const queues = [createQueue({ concurrency: 4 }), createQueue({ concurrency: 4 })];
      const keys = ["k1", "k2", "k3"];
      const perKey = 15;
      const order = new Map<string, number[]>(keys.map((key) => [key, []]));
      const activeKeys = new Set<string>();
      let active = 0;
      let maxActive = 0;
      let overlaps = 0;
      let unkeyed = 0;
      // Everything is queued before anyone listens, so that handlers overlap
      // however slowly a loaded machine enqueues.
      for (let n = 0; n < perKey; n++) {
        for (const key of keys) await queues[n % 2].enqueue({ key, n }, { orderingKey: key });
        await queues[0].enqueue({ key: null, n });
      }
      for (const queue of queues) {
        listen(queue, async (message: { key: string | null; n: number }) => {
          active++;
          maxActive = Math.max(maxActive, active);
          if (message.key !== null) {
            if (activeKeys.has(message.key)) overlaps++;
            activeKeys.add(message.key);
          }
          await sleep(Math.random() * 15);
          if (message.key === null) unkeyed++;
          else {
            order.get(message.key)!.push(message.n);
            activeKeys.delete(message.key);
          }
          active--;
        });
      }
      await waitFor(() => unkeyed === perKey && keys.every((key) => order.get(key)!.length === perKey), 20_000);
      const expected = Array.from({ length: perKey }, (_, n) => n);
      for (const key of keys) expect(order.get(key)).toEqual(expected);
      expect(overlaps).toBe(0);
      expect(maxActive).toBeGreaterThan(1);
    });

    it("blocks a key while its earlier message waits for a retry", async () => {
      const queue = createQueue({ concurrency: 4, backoff: () => 400 });
      const log: string[] = [];
      listen(queue, (message: string) => {
        log.push(message);
        if (message === "k:1" && log.filter((m) => m === "k:1").length === 1) throw new Error("first try fails");
      });
      await queue.enqueue("k:1", { orderingKey: "k" });
      await queue.enqueue("k:2", { orderingKey: "k" });
      await queue.enqueue("free");
      await waitFor(() => log.length === 4);
      expect(log.filter((m) => m.startsWith("k:"))).toEqual(["k:1", "k:1", "k:2"]);
      // The unkeyed message did not wait for the retry.
      expect(log.indexOf("free")).toBeLessThan(2);
    });

    it("never hands a message to two listeners at once", { timeout: 30_000 }, async () => {
      const queues = [createQueue(), createQueue(), createQueue()];
      const count = 300;
      const active = new Set<number>();
      const handled = new Map<number, number>();
      let overlaps = 0;
      for (const queue of queues) {
        listen(queue, async (n: number) => {
          if (active.has(n)) overlaps++;
          active.add(n);
          await sleep(Math.random() * 3);
          active.delete(n);
          handled.set(n, (handled.get(n) ?? 0) + 1);
        });
      }
      const numbers = Array.from({ length: count }, (_, n) => n);
      await queues[0].enqueueMany(numbers.slice(0, count / 2));
      for (const n of numbers.slice(count / 2)) await queues[n % 3].enqueue(n);
      await waitFor(() => handled.size === count, 20_000);
      await waitFor(async () => (await queues[0].stats()).leased === 0);
      expect(overlaps).toBe(0);
      expect([...handled.values()].every((times) => times === 1)).toBe(true);
      expect(await queues[0].getDepth()).toEqual({ queued: 0, ready: 0, delayed: 0 });
    });

    it("never leases more than hostConcurrency deliveries to one host, across listeners; other hosts keep flowing", async () => {
      const delivery = (host: string, n: number) => ({ type: "outbox", inbox: `https://${host}/users/u${n}/inbox`, n });
      const queues = [createQueue({ concurrency: 6, hostConcurrency: 2 }), createQueue({ concurrency: 6, hostConcurrency: 2 })];
      const stuck: Array<() => void> = [];
      let tarpitInFlight = 0;
      let tarpitPeak = 0;
      const healthy = new Set<string>();
      for (const queue of queues) {
        listen(queue, (m: { inbox: string }) => {
          if (!m.inbox.includes("tarpit.example")) {
            healthy.add(m.inbox);
            return;
          }
          tarpitInFlight++;
          tarpitPeak = Math.max(tarpitPeak, tarpitInFlight);
          return new Promise<void>((resolve) => stuck.push(() => { tarpitInFlight--; resolve(); }));
        });
      }
      // The tarpit's deliveries come first, and outnumber every slot there is.
      await queues[0].enqueueMany(Array.from({ length: 20 }, (_, n) => delivery("tarpit.example", n)));
      await queues[0].enqueueMany(Array.from({ length: 10 }, (_, n) => delivery(`healthy${n}.example`, n)));
      await waitFor(() => healthy.size === 10);
      expect(tarpitPeak).toBeLessThanOrEqual(2);
      await waitFor(async () => (await queues[0].stats()).leased === 2);
      const hosts = await queues[0].hostStats();
      expect(hosts.find((h) => h.host === "tarpit.example")).toMatchObject({ leased: 2, ready: 18 });
      for (const release of stuck.splice(0)) release();
      // Released slots go on to the tarpit's next deliveries, still two at a time.
      await waitFor(() => stuck.length === 2);
      expect(tarpitPeak).toBeLessThanOrEqual(2);
      while (stuck.length > 0) {
        for (const release of stuck.splice(0)) release();
        await sleep(30);
      }
    });

    it("keeps a message its handler re-enqueues (a retry) ahead of later messages with its key", async () => {
      const queue = createQueue({ concurrency: 4 });
      const handled: string[] = [];
      let retried = false;
      listen(queue, async (m: { name: string }) => {
        handled.push(m.name);
        // Fedify retries a failed delivery by enqueueing it again, with its ordering key, from inside the handler.
        if (m.name === "create" && !retried) {
          retried = true;
          await queue.enqueue({ name: "create (retry)" }, { orderingKey: "note-1", delay: duration({ milliseconds: 300 }) });
        }
      });
      await queue.enqueue({ name: "create" }, { orderingKey: "note-1" });
      await queue.enqueue({ name: "update" }, { orderingKey: "note-1" });
      await waitFor(() => handled.length === 3);
      expect(handled).toEqual(["create", "create (retry)", "update"]);
    });

    it("makes delayed messages due now, for one host or all", async () => {
      const queue = createQueue();
      await queue.enqueue({ type: "outbox", inbox: "https://down.example/inbox" }, { delay: duration({ hours: 1 }) });
      await queue.enqueue({ type: "outbox", inbox: "https://other.example/inbox" }, { delay: duration({ hours: 1 }) });
      expect((await queue.hostStats()).map((h) => [h.host, h.delayed, h.nextAttemptAt !== null])).toEqual(
        [["down.example", 1, true], ["other.example", 1, true]]);
      expect(await queue.retryNow({ host: "down.example" })).toBe(1);
      const received: unknown[] = [];
      listen(queue, (m) => { received.push(m); });
      await waitFor(() => received.length === 1);
      expect(received).toEqual([{ type: "outbox", inbox: "https://down.example/inbox" }]);
      expect(await queue.retryNow()).toBe(1);
      await waitFor(() => received.length === 2);
      // Acknowledgements are written in batches, just after their handlers return.
      await waitFor(async () => (await queue.statsByKind()).length === 0);
    });

    it("makes due a delivery that a running handler holds again while the operator retries", async () => {
      // Fedify's handler, finding the host's circuit open, re-enqueues the
      // delivery until the next probe; an operator's retry that comes while
      // it runs must not leave that copy waiting for the probe.
      const queue = createQueue();
      let release!: () => void;
      const released = new Promise<void>((resolve) => { release = resolve; });
      let started = false;
      const delivered: unknown[] = [];
      listen(queue, async (m: { type: string; inbox: string; held?: boolean }) => {
        if (m.held) return void delivered.push(m);
        started = true;
        await released;
        await queue.enqueue({ ...m, held: true }, { delay: duration({ hours: 1 }) });
      });
      await queue.enqueue({ type: "outbox", inbox: "https://down.example/inbox" });
      await waitFor(() => started);
      const retrying = queue.retryNow({ host: "down.example" });
      await sleep(200);
      release();
      expect(await retrying).toBe(1);
      await waitFor(() => delivered.length === 1, 3_000);
    });

    it("keeps queues sharing the table apart", async () => {
      const inbox = createQueue({ queue: "inbox" });
      const outbox = createQueue({ queue: "outbox" });
      const received: string[] = [];
      listen(inbox, (message: string) => { received.push(message); });
      await outbox.enqueue("for the outbox");
      await inbox.enqueue("for the inbox");
      await waitFor(() => received.length === 1);
      await sleep(300);
      expect(received).toEqual(["for the inbox"]);
      expect(await outbox.stats()).toMatchObject({ queue: "outbox", ready: 1, oldestReadyAgeMs: expect.any(Number) });
    });
  });
}
