// yieldToRequests (src/worker/priority.ts), run in a thread of its own so
// that the test's own thread keeps its priority.
import { Worker } from "node:worker_threads";
import { expect, it } from "vitest";

const MODULE = new URL("../../src/worker/priority.ts", import.meta.url).href;

/** Runs `body` in a new thread with `yieldToRequests` and `os` in scope; resolves with what it returns. */
function inThread(body: string): Promise<unknown> {
  const source = `
    const { parentPort } = await import("node:worker_threads");
    const os = (await import("node:os")).default;
    const fs = await import("node:fs");
    const { yieldToRequests } = await import(${JSON.stringify(MODULE)});
    const tid = Number(fs.readlinkSync("/proc/thread-self").split("/").pop());
    parentPort.postMessage(await (async () => { ${body} })());
  `;
  return new Promise((resolve, reject) => {
    const worker = new Worker(source, { eval: true, type: "module" } as never);
    worker.once("message", resolve);
    worker.once("error", reject);
  });
}

// The nice value this test runs at (0 unless the runner was started with `nice`).
const base = (await import("node:os")).default.getPriority();

it.skipIf(process.platform !== "linux" || base >= 10)("lowers its own thread only, and never raises a priority already lower", async () => {
  expect(await inThread(`
    const outcome = yieldToRequests(10, "thread");
    return { outcome, thread: os.getPriority(tid), process: os.getPriority(process.pid) };
  `)).toEqual({ outcome: { nice: 10 }, thread: 10, process: base });
  expect(await inThread(`
    os.setPriority(tid, 15);
    return { outcome: yieldToRequests(10, "thread"), thread: os.getPriority(tid) };
  `)).toEqual({ outcome: { nice: 15 }, thread: 15 });
  expect(await inThread(`
    return { outcome: yieldToRequests(0, "thread"), thread: os.getPriority(tid) };
  `)).toEqual({ outcome: { nice: null, reason: "queue.workerNice is 0" }, thread: base });
});
