// At-least-once delivery across a crash: Praxis runs as a child process
// (`node src/main.ts`, as `npm start` does), is killed with SIGKILL while it
// is fanning a post out to many inboxes, and is started again: every
// delivery must still arrive.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { freePort, waitFor } from "../support/net.ts";
import { type Peer, startPeer } from "../support/peer.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const USERS = Array.from({ length: 24 }, (_, i) => `member${i}`);

let peer: Peer;
let dataDir: string;
let env: NodeJS.ProcessEnv;
let origin: string;
let child: ChildProcess | null = null;

function startServer(): Promise<ChildProcess> {
  const proc = spawn(process.execPath, [path.join(ROOT, "src/main.ts")], { env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Praxis is running at")) resolve(proc);
    };
    proc.stdout!.on("data", onData);
    proc.stderr!.on("data", (chunk: Buffer) => { output += chunk.toString(); });
    proc.once("exit", (code) => reject(new Error(`Praxis exited early (${code}):\n${output}`)));
  });
}

function killed(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    proc.once("exit", () => resolve());
  });
}

beforeAll(async () => {
  // No shared inbox: one delivery per member, so the fan-out takes a while.
  peer = await startPeer({ users: USERS, sharedInbox: false, inboxDelayMs: 40 });
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  dataDir = mkdtempSync(path.join(tmpdir(), "praxis-crash-"));
  env = {
    ...process.env,
    PRAXIS_CONFIG: "",
    PRAXIS_HOST: "127.0.0.1",
    PRAXIS_PORT: String(port),
    PRAXIS_ORIGIN: origin,
    PRAXIS_DATA_DIR: dataDir,
    PRAXIS_ALLOW_PRIVATE_ADDRESS: "true",
    // A short lease so that the restarted worker takes over the messages
    // the killed one held, without waiting a minute.
    PRAXIS_QUEUE_LEASE_SECONDS: "2",
    PRAXIS_LOG_LEVEL: "error",
  };
  await promisify(execFile)(process.execPath, [path.join(ROOT, "bin/praxis.js"), "community", "create", "fanout", "--name", "Fan-out"], { env });
});

afterAll(async () => {
  child?.kill("SIGKILL");
  if (child) await killed(child);
  await peer?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

it("delivers every announce after the worker is killed mid-fan-out", async () => {
  const community = `${origin}/c/fanout`;
  child = await startServer();
  for (const user of USERS) await peer.follow(user, community);
  await waitFor(() => peer.receivedOf("Accept").length === USERS.length, "all Accepts", 30_000);

  const post = await peer.post("member0", { content: "Hello everyone", mention: [community] });
  const boosts = () => new Set(peer.receivedOf("Announce", (r) => r.json.object === post.noteId).map((r) => r.recipient));
  const wrapped = () => new Set(peer.receivedOf("Announce", (r) => r.json.object?.id === post.createId).map((r) => r.recipient));
  const delivered = () => boosts().size + wrapped().size;

  // Kill the server as soon as the fan-out is under way.
  await waitFor(() => delivered() >= 3, "the fan-out to start", 30_000);
  child.kill("SIGKILL");
  await killed(child);
  const beforeRestart = delivered();
  expect(beforeRestart).toBeLessThan(USERS.length * 2);

  child = await startServer();
  await waitFor(() => delivered() === USERS.length * 2, `all ${USERS.length * 2} deliveries after restart`, 60_000);
  // Each member's own inbox got both announces.
  expect([...boosts()].sort()).toEqual([...USERS].sort());
  expect([...wrapped()].sort()).toEqual([...USERS].sort());
  console.info(`crash-recovery: ${beforeRestart} of ${USERS.length * 2} deliveries before SIGKILL, all after restart`);
});
