// Runs the `praxis` CLI as an operator does (`node bin/praxis.js …`), in its
// own process, and reports its exit code and output instead of throwing.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "./net.ts";

export const ROOT = path.resolve(import.meta.dirname, "../..");

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `praxis ...args` with `env` (and `input` on its standard input). */
export function runPraxis(env: NodeJS.ProcessEnv, args: readonly string[], input?: string): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [path.join(ROOT, "bin/praxis.js"), ...args], { env }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
    });
    child.stdin!.end(input ?? "");
  });
}

/** The environment of an operator's CLI on `dataDir`, with no configuration file; `extra` adds or overrides. */
export function operatorEnv(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env, PRAXIS_CONFIG: "", PRAXIS_DATA_DIR: dataDir, PRAXIS_ALLOW_PRIVATE_ADDRESS: "true", PRAXIS_LOG_LEVEL: "warning", ...extra,
  };
}

export interface OperatorCli {
  dataDir: string;
  env: NodeJS.ProcessEnv;
  /** Runs `praxis ...args` as the operator. */
  praxis(...args: string[]): Promise<CliRun>;
  /** Deletes the data directory. */
  remove(): void;
}

/** An operator's CLI on a fresh data directory (named after `prefix`), with its own port and origin on loopback. */
export async function operatorCli(prefix: string): Promise<OperatorCli> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), `praxis-${prefix}-`));
  const env = operatorEnv(dataDir, { PRAXIS_HOST: "127.0.0.1", PRAXIS_PORT: String(port), PRAXIS_ORIGIN: `http://127.0.0.1:${port}` });
  return { dataDir, env, praxis: (...args) => runPraxis(env, args), remove: () => rmSync(dataDir, { recursive: true, force: true }) };
}
