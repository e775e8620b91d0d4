// The worker thread gives its memory back once idle (src/worker/idle-memory.ts):
// V8's memory reducer does not run on a worker thread, so garbage left by a
// burst of work stayed in its heap until this collected it.
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { runInNewContext } from "node:vm";
import { type IdleMemoryOptions, reduceMemory, shouldReduce } from "../../src/worker/idle-memory.ts";

const MB = 1024 * 1024;
const options: IdleMemoryOptions = { checkMs: 100, minGrowthBytes: 16 * MB, quietBytes: MB };

describe("idle memory", () => {
  it("collects only a heap that grew and then stayed still", () => {
    expect(shouldReduce(100 * MB, 100 * MB, 60 * MB, options)).toBe(true);
    // Still working: the heap in use moved by more than quietBytes since the last check.
    expect(shouldReduce(100 * MB, 90 * MB, 60 * MB, options)).toBe(false);
    // Idle, but not enough grown since the last collection.
    expect(shouldReduce(70 * MB, 70 * MB, 60 * MB, options)).toBe(false);
  });

  it("exposes no gc function to any other context", () => {
    reduceMemory();
    expect(runInNewContext("typeof gc")).toBe("undefined");
  });

  it("gives a worker thread's garbage back once it is idle, and leaves a busy thread alone", async () => {
    // A worker that makes about 100 MB of garbage in bursts for 600 ms, then
    // idles, reporting the heap in use every 100 ms, and each collection the
    // watcher makes, with the time.
    const source = `
      const { parentPort } = require("node:worker_threads");
      const { getHeapStatistics } = require("node:v8");
      parentPort.on("message", () => {}); // alive until terminated, as the queue keeps the real thread
      import(${JSON.stringify(new URL("../../src/worker/idle-memory.ts", import.meta.url).href)}).then(({ reduceMemoryWhenIdle }) => {
        const started = Date.now();
        reduceMemoryWhenIdle(${JSON.stringify(options)}, (before, after) => parentPort.postMessage({ before, after, at: Date.now() - started }));
        let keep = [];
        const burst = setInterval(() => {
          for (let i = 0; i < 100000; i++) keep.push({ i, s: "x" + i });
          if (keep.length > 1200000) keep = [];
          if (Date.now() - started > 600) {
            clearInterval(burst);
            keep = [];
            parentPort.postMessage({ idleAt: Date.now() - started, used: getHeapStatistics().used_heap_size });
            setInterval(() => parentPort.postMessage({ used: getHeapStatistics().used_heap_size }), 100);
          }
        }, 10);
      });`;
    const worker = new Worker(source, { eval: true });
    try {
      const messages: Array<{ before?: number; after?: number; at?: number; idleAt?: number; used?: number }> = [];
      worker.on("message", (m) => messages.push(m));
      const idle = () => messages.find((m) => m.idleAt !== undefined);
      const latest = () => messages.findLast((m) => m.used !== undefined && m.idleAt === undefined)?.used;
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline && !(idle() && latest() !== undefined && latest()! < idle()!.used! - 30 * MB)) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(idle(), "the worker finished its burst").toBeDefined();
      expect(idle()!.used!).toBeGreaterThan(40 * MB);
      // The garbage is gone (without the watcher, V8 left it there indefinitely).
      expect(latest()!).toBeLessThan(idle()!.used! - 30 * MB);
      // No collection was made while the burst went on.
      for (const reduced of messages.filter((m) => m.after !== undefined)) expect(reduced.at!).toBeGreaterThanOrEqual(idle()!.idleAt!);
    } finally {
      await worker.terminate();
    }
  });
});
