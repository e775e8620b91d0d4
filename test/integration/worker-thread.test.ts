// Role "all", as `npm start` runs it: the web server on the main thread and
// the queue worker on a thread of its own, at a lower CPU priority
// (src/worker/thread.ts). Tested as deployed: `node src/main.ts` in a child
// process, a peer that follows and posts over signed HTTP, and SIGTERM.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { startWorkerThread } from "../../src/worker/thread.ts";
import { freePort, waitFor } from "../support/net.ts";
import { followAndPost } from "../support/follow-and-post.ts";
import { type RawActor, type RawHost, startRawHost } from "../support/raw-host.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
// Nice values are read from /proc; a runner already at nice 10 or more shows nothing.
const linux = process.platform === "linux" && (await import("node:os")).default.getPriority() < 10;

/** The tasks (threads) of a process: name and nice value, from /proc. */
function tasksOf(pid: number): { tid: number; name: string; nice: number }[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
    // Fields after the parenthesised name: state is the 3rd field, nice the 19th.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { tid: Number(tid), name: readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim(), nice: Number(rest[16]) };
  });
}

function exited(proc: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve(proc.exitCode);
    proc.once("exit", (code) => resolve(code));
  });
}

describe("npm start (role all)", () => {
  let dataDir: string;
  let origin: string;
  let child: ChildProcess;
  let output = "";
  let host: RawHost;
  let ana: RawActor;

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    dataDir = mkdtempSync(path.join(tmpdir(), "praxis-thread-"));
    const env = {
      ...process.env, PRAXIS_CONFIG: "", PRAXIS_HOST: "127.0.0.1", PRAXIS_PORT: String(port), PRAXIS_ORIGIN: origin,
      PRAXIS_DATA_DIR: dataDir, PRAXIS_ALLOW_PRIVATE_ADDRESS: "true", PRAXIS_LOG_LEVEL: "warning",
      // The default on a machine with more than one core; said here so that the test holds on one core too.
      PRAXIS_QUEUE_WORKER_THREAD: "true",
    };
    await promisify(execFile)(process.execPath, [path.join(ROOT, "bin/praxis.js"), "community", "create", "orchard", "--name", "Orchard"], { env });
    child = spawn(process.execPath, [path.join(ROOT, "src/main.ts")], { env, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout!.on("data", (chunk: Buffer) => { output += chunk.toString(); });
    child.stderr!.on("data", (chunk: Buffer) => { output += chunk.toString(); });
    await waitFor(() => output.includes("Praxis is running at") || child.exitCode !== null, "Praxis to start", 30_000);
    expect(child.exitCode, output).toBeNull();
    host = await startRawHost("127.0.0.93");
    ana = await host.actor("ana");
  }, 60_000);
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    if (child) await exited(child);
    await host?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("answers a follow and relays a post from its worker thread", async () => {
    const group = `${origin}/c/orchard`;
    await followAndPost(host, ana, group, "<p>Grafting workshop</p>");
  }, 60_000);

  it.skipIf(!linux)("runs the worker thread at nice 10 and the thread that serves requests as it was started", () => {
    const tasks = tasksOf(child.pid!);
    const worker = tasks.find((t) => t.name === "praxis-worker");
    expect(worker, JSON.stringify(tasks)).toBeDefined();
    expect(worker!.nice).toBe(10);
    expect(tasks.find((t) => t.tid === child.pid)!.nice).toBe(tasksOf(process.pid).find((t) => t.tid === process.pid)!.nice);
  });

  it("stops its worker thread and exits cleanly on SIGTERM", async () => {
    const startedAt = Date.now();
    child.kill("SIGTERM");
    expect(await exited(child), output).toBe(0);
    expect(Date.now() - startedAt).toBeLessThan(15_000);
    expect(output).not.toMatch(/ERR|error/i);
  }, 30_000);
});

describe("startWorkerThread", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const config = () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "praxis-thread-"));
    dirs.push(dataDir);
    return loadConfig({ env: {}, overrides: { dataDir, logLevel: "fatal" } });
  };

  it("starts another thread when the worker thread fails, and stops it on request", async () => {
    const entry = new URL("../support/worker-threads/crashes-once.ts", import.meta.url);
    const thread = await startWorkerThread(config(), { entry, restartDelayMs: 50 });
    const first = thread.threadId;
    await waitFor(() => thread.restarts === 1 && thread.threadId !== first && thread.threadId !== -1, "the restarted thread", 10_000);
    await thread.stop();
    expect(thread.threadId).toBe(-1);
  });

  it("says why when the worker thread cannot start", async () => {
    const entry = new URL("../support/worker-threads/cannot-start.ts", import.meta.url);
    await expect(startWorkerThread(config(), { entry })).rejects.toThrow(/queue worker thread could not start: unable to open database file/);
  });
});

describe.skipIf(!linux)("a worker process (role worker)", () => {
  it("lowers every one of its tasks to nice 10", async () => {
    const { startWebAndWorker } = await import("../support/web-and-worker.ts");
    const praxis = await startWebAndWorker(null);
    try {
      const tasks = tasksOf(praxis.worker.pid!);
      expect(tasks.length).toBeGreaterThan(1);
      for (const task of tasks) expect(task.nice, JSON.stringify(task)).toBeGreaterThanOrEqual(10);
    } finally {
      await praxis.stop();
    }
  }, 60_000);
});
