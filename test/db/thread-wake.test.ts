// On SQLite, what one thread of a process queues wakes the listeners of its
// other threads at once, for the lanes it queued to (`npm start`: the web
// thread queues a promotion's deliveries, the worker thread sends them).
// Before, only the write-ahead log told them, throttled: a promotion that
// committed before it queued woke the worker thread too early to find
// anything, and its deliveries waited for the rest of the interval.
import { once } from "node:events";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { afterEach, beforeEach, expect, it } from "vitest";
import { KyselyMessageQueue } from "../../src/db/message-queue.ts";
import { sqliteThreadWake, sqliteWake, type WokenLanes } from "../../src/db/queue-wake.ts";
import { createTestDatabase, type TestDatabase } from "./databases.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "praxis-thread-wake-"));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function announceFromAnotherThread(file: string, lanes: string[]): Promise<void> {
  const worker = new Worker(new URL("../support/announce-thread.ts", import.meta.url), { workerData: { file, queue: "default", lanes } });
  await once(worker, "message");
  await once(worker, "exit");
}

it("wakes a listener of another thread, for the lanes that thread queued to", async () => {
  const file = path.join(dir, "praxis.sqlite");
  const woken: WokenLanes[] = [];
  const stop = sqliteThreadWake(file).source((lanes) => woken.push(lanes));
  try {
    await announceFromAnotherThread(file, ["outbox"]);
    for (let i = 0; i < 200 && woken.length === 0; i++) await sleep(5);
    expect(woken.map((lanes) => (lanes === null ? null : [...lanes]))).toEqual([["outbox"]]);
  } finally {
    stop();
  }
});

it("leaves this thread's listeners and other databases' alone", async () => {
  const file = path.join(dir, "praxis.sqlite");
  let woken = 0;
  const threads = sqliteThreadWake(file);
  const stops = [threads.source(() => woken++), sqliteThreadWake(path.join(dir, "other.sqlite")).source(() => woken++)];
  try {
    // This thread's listeners hear of its enqueues directly.
    threads.announce("default", ["inbox"]);
    await announceFromAnotherThread(path.join(dir, "third.sqlite"), ["inbox"]);
    await sleep(100);
    expect(woken).toBe(0);
  } finally {
    for (const stop of stops) stop();
    threads.close();
  }
});

let database: TestDatabase | undefined;
afterEach(async () => {
  await database?.dispose();
  database = undefined;
});

it("the queue announces each batch it queues, and work made due again, with their lanes", async () => {
  database = await createTestDatabase("sqlite");
  const announced: string[][] = [];
  const queue = new KyselyMessageQueue(database.db, { dialect: "sqlite", announce: (_queue, lanes) => announced.push([...lanes].sort()) });
  await queue.enqueueMany([{ type: "outbox", id: "a" }, { type: "inbox", id: "b" }]);
  await queue.enqueue({ type: "praxis:fanout", id: "c" });
  await queue.retryNow();
  expect(announced).toEqual([["inbox", "outbox"], ["fanout"], ["fanout", "inbox", "other", "outbox"]]);
});

it("goes on announcing to other threads when the signal file cannot be touched, and never throws into the enqueue", async () => {
  const file = path.join(dir, "praxis.sqlite");
  // A signal file that can be neither touched nor created (a read-only directory, say).
  symlinkSync(path.join(dir, "missing", "signal"), `${file}-queue`);
  const wakes = sqliteWake(file);
  const woken: WokenLanes[] = [];
  const worker = new Worker(new URL("../support/announce-thread.ts", import.meta.url), { workerData: { file, queue: "default", lanes: [], listen: true } });
  try {
    await once(worker, "message");
    expect(() => { for (let i = 0; i < 3; i++) wakes.announce("default", ["outbox"]); }).not.toThrow();
    const [heard] = await once(worker, "message");
    woken.push(heard === null ? null : new Set(heard as string[]));
    expect(woken.map((lanes) => (lanes === null ? null : [...lanes]))).toEqual([["outbox"]]);
  } finally {
    wakes.close();
    await worker.terminate();
  }
});
