// Wake-ups from other processes are throttled: a burst of enqueues (SQLite's
// queue signal) or NOTIFYs (PostgreSQL) wakes a listener once at once and
// once more at the end of the interval, not once per message; none is lost.
// On SQLite, only enqueues wake: another commit does not.
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { KyselyMessageQueue } from "../../src/db/message-queue.ts";
import { postgresNotifyWake, QUEUE_CHANNEL, sqliteQueueWake, sqliteWake, throttle, WAKE_INTERVAL_MS } from "../../src/db/queue-wake.ts";
import { createTestDatabase, postgresUnavailable, type TestDatabase } from "./databases.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out");
    await sleep(5);
  }
}

describe("throttle", () => {
  it("calls at once, then once at the end of the interval for a burst", async () => {
    const calls: number[] = [];
    const wake = throttle(() => calls.push(Date.now()), 40);
    const start = Date.now();
    for (let i = 0; i < 1000; i++) wake();
    expect(calls.length).toBe(1);
    await until(() => calls.length === 2);
    expect(calls[1] - start).toBeGreaterThanOrEqual(35);
    await sleep(100);
    expect(calls.length).toBe(2);
    // A quiet listener is woken at once again.
    wake();
    expect(calls.length).toBe(3);
  });

  it("never drops the last call of a burst", async () => {
    let n = 0;
    let wokenAt = 0;
    const wake = throttle(() => { n++; wokenAt = performance.now(); }, 20);
    let calledAt = 0;
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 50; i++) wake();
      calledAt = performance.now();
      await sleep(7);
    }
    await sleep(60);
    // Some wake-up came after the burst's last call, and few came in all.
    expect(wokenAt).toBeGreaterThanOrEqual(calledAt);
    expect(n).toBeLessThanOrEqual(6);
  });

  it("gives a deferred wake-up the lanes of every call it stands for, or none if one had none", async () => {
    const woken: (string[] | null)[] = [];
    // An interval long enough that the calls below land within it even on a loaded machine.
    const wake = throttle((lanes) => woken.push(lanes === null ? null : [...lanes].sort()), 200);
    wake(new Set(["inbox"]));
    wake(new Set(["outbox"]));
    wake(new Set(["fanout", "outbox"]));
    await until(() => woken.length === 2);
    // Within the next interval: deferred, and a call that names no lane makes it name none.
    wake(new Set(["inbox"]));
    wake(null);
    wake(new Set(["outbox"]));
    await until(() => woken.length === 3);
    await sleep(250);
    expect(woken).toEqual([["inbox"], ["fanout", "outbox"], null]);
  });
});

/**
 * No two wake-ups closer than the throttle's interval (a timer may fire a
 * millisecond early by the clock): strict, and a loaded machine only widens
 * the gaps.
 */
function expectThrottled(times: number[]): void {
  const gaps = times.slice(1).map((t, i) => t - times[i]);
  expect(Math.min(...gaps, Infinity)).toBeGreaterThanOrEqual(WAKE_INTERVAL_MS - 2);
}

describe("wake sources under a burst", () => {
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await database?.dispose();
    database = undefined;
  });

  it("SQLite: 200 enqueues of another connection wake a listener a few times, not 200", async () => {
    database = await createTestDatabase("sqlite");
    const times: number[] = [];
    const stop = sqliteQueueWake(database.options.url)(() => { times.push(Date.now()); });
    try {
      await sleep(100);
      const other = new KyselyMessageQueue(database.connect().db, { dialect: "sqlite", announce: sqliteWake(database.options.url).announce });
      const before = times.length;
      for (let i = 0; i < 200; i++) await other.enqueue({ type: "inbox", id: `m${i}` });
      await sleep(WAKE_INTERVAL_MS * 3);
      const burst = times.slice(before);
      expect(burst.length).toBeGreaterThanOrEqual(1);
      expect(burst.length).toBeLessThan(200);
      expectThrottled(times);
    } finally {
      stop();
    }
  });

  it("SQLite: another connection's commits that queue nothing wake nobody; its enqueue after them wakes at once", async () => {
    // A promotion from the CLI: it records itself, then queues its
    // deliveries. Woken by its first commit, a worker found nothing, and the
    // throttle held the enqueue for the rest of its interval.
    database = await createTestDatabase("sqlite");
    const own = database;
    own.changedElsewhere!();
    const times: number[] = [];
    const stop = sqliteQueueWake(own.options.url, own.changedElsewhere)(() => { times.push(Date.now()); });
    try {
      await sleep(100);
      const other = database.connect();
      for (let i = 0; i < 5; i++) await other.db.insertInto("fedify_kv").values({ key: `record${i}`, value: "1", expires_at: null }).execute();
      await sleep(WAKE_INTERVAL_MS * 2);
      expect(times).toEqual([]);
      await other.db.insertInto("fedify_kv").values({ key: "record5", value: "1", expires_at: null }).execute();
      const queuedAt = Date.now();
      await new KyselyMessageQueue(other.db, { dialect: "sqlite", announce: sqliteWake(own.options.url).announce }).enqueue({ type: "outbox", id: "delivery" });
      await until(() => times.length === 1);
      // Woken by the enqueue itself, the first wake-up of the interval: not deferred behind an earlier one.
      expect(times[0]).toBeGreaterThanOrEqual(queuedAt);
      await sleep(WAKE_INTERVAL_MS * 2);
      expect(times).toHaveLength(1);
    } finally {
      stop();
    }
  });

  it("SQLite: this process's own enqueues wake nobody; another connection's enqueue still does", async () => {
    database = await createTestDatabase("sqlite");
    let wakes = 0;
    const own = database;
    own.changedElsewhere!();
    const stop = sqliteQueueWake(own.options.url, own.changedElsewhere)(() => { wakes++; });
    try {
      await sleep(100);
      // The worker's own enqueues (its claims and acknowledgements signal nothing): the same connection.
      const mine = new KyselyMessageQueue(own.db, { dialect: "sqlite", announce: sqliteWake(own.options.url).announce });
      for (let i = 0; i < 50; i++) {
        await mine.enqueue({ type: "outbox", id: `own${i}` });
        if (i % 10 === 0) await sleep(WAKE_INTERVAL_MS);
      }
      await sleep(WAKE_INTERVAL_MS * 3);
      expect(wakes).toBe(0);
      // Another process (the CLI, say), in the middle of a burst of our own enqueues.
      const theirs = new KyselyMessageQueue(database.connect().db, { dialect: "sqlite", announce: sqliteWake(own.options.url).announce });
      const burst = (async () => {
        for (let i = 0; i < 20; i++) await mine.enqueue({ type: "outbox", id: `mine${i}` });
      })();
      await theirs.enqueue({ type: "inbox", id: "theirs" });
      await burst;
      await until(() => wakes >= 1);
      await sleep(WAKE_INTERVAL_MS * 3);
      expect(wakes).toBe(1);
    } finally {
      stop();
    }
  });

  it.skipIf(postgresUnavailable)("PostgreSQL: an enqueue in another process wakes only the lanes of its messages", async () => {
    database = await createTestDatabase("postgres");
    const woken: (string[] | null)[] = [];
    const stop = postgresNotifyWake(database.options.url)((lanes) => { woken.push(lanes === null ? null : [...lanes].sort()); });
    try {
      // Connected and listening: the first wake-up, for what came before, names no lane.
      await until(() => woken.length === 1);
      expect(woken[0]).toBeNull();
      await sleep(WAKE_INTERVAL_MS * 2);
      const other = new KyselyMessageQueue(database.connect().db, { dialect: "postgres" });
      await other.enqueue({ type: "inbox", id: "a" });
      await until(() => woken.length === 2);
      await sleep(WAKE_INTERVAL_MS * 2);
      await other.enqueueMany([{ type: "outbox", inbox: "https://a.example/inbox" }, { type: "unknown" }]);
      await until(() => woken.length === 3);
      expect(woken.slice(1)).toEqual([["inbox"], ["other", "outbox"]]);
    } finally {
      stop();
    }
  });

  it.skipIf(postgresUnavailable)("PostgreSQL: 200 NOTIFYs wake a listener a few times, not 200", async () => {
    database = await createTestDatabase("postgres");
    const times: number[] = [];
    const stop = postgresNotifyWake(database.options.url)(() => { times.push(Date.now()); });
    const client = new pg.Client({ connectionString: database.options.url });
    await client.connect();
    try {
      // Connected and listening: the first wake-up is the one for what came before.
      await until(() => times.length === 1);
      await sleep(WAKE_INTERVAL_MS * 2);
      const before = times.length;
      for (let i = 0; i < 200; i++) await client.query(`select pg_notify('${QUEUE_CHANNEL}', 'default')`);
      await sleep(WAKE_INTERVAL_MS * 3);
      const burst = times.slice(before);
      expect(burst.length).toBeGreaterThanOrEqual(1);
      expect(burst.length).toBeLessThan(200);
      expectThrottled(times);
    } finally {
      await client.end();
      stop();
    }
  });
});
