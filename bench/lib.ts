// Shared helpers for the benchmarks: options from the environment, timing,
// percentiles and the summary rows that bench/run.ts prints as a table.
import type { Profiler } from "node:inspector";
import { createThrowawaySchema, TEST_POSTGRES_URL, type ThrowawaySchema } from "../test/support/postgres.ts";

/** One line of the final summary: a measured figure next to its same-run baseline. */
export interface SummaryRow {
  bench: string;
  case: string;
  /** The main figure, already formatted with its unit. */
  value: string;
  /** The baseline figure it is compared with, formatted. */
  baseline: string;
  /** value / baseline, as described by `ratioOf`. */
  ratio: number;
  ratioOf: string;
}

/** A positive integer from the environment, or `fallback`; a bad value stops the run with a clear message. */
export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return value;
}

/** A comma-separated list of positive integers from the environment. */
export function envInts(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const values = raw.split(",").map((part) => Number(part.trim()));
  if (values.some((v) => !Number.isInteger(v) || v < 1)) throw new Error(`${name} must list positive integers separated by commas, got "${raw}"`);
  return values;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

export function formatRate(perSecond: number, unit: string): string {
  const digits = perSecond >= 100 ? 0 : perSecond >= 10 ? 1 : 2;
  return `${perSecond.toLocaleString("en", { maximumFractionDigits: digits, minimumFractionDigits: digits })} ${unit}`;
}

export function formatMs(ms: number): string {
  return ms >= 100 ? `${ms.toFixed(0)} ms` : ms >= 10 ? `${ms.toFixed(1)} ms` : `${ms.toFixed(2)} ms`;
}

export function formatRatio(ratio: number): string {
  if (!Number.isFinite(ratio)) return "n/a";
  // Two significant digits keep tiny ratios (persistent vs in-memory) readable.
  return ratio >= 10 ? `${ratio.toFixed(1)}x` : `${ratio.toPrecision(2)}x`;
}

/** Prints rows as an aligned text table: the first `leftColumns` columns left-aligned, the rest right-aligned. */
export function printTable(headers: string[], rows: string[][], leftColumns = 1): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < leftColumns ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  console.log(line(headers));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of rows) console.log(line(row));
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? TEST_POSTGRES_URL;

/** Creates a throwaway schema in the PostgreSQL database; returns its URL and a drop function, or why it cannot. */
export async function createPostgresSchema(): Promise<ThrowawaySchema | { unavailable: string }> {
  try {
    return await createThrowawaySchema("bench", POSTGRES_URL);
  } catch (error) {
    return { unavailable: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Profiles the CPU while `work` runs when BENCH_CPU_PROFILE names a file
 * prefix (written as PREFIX-LABEL.cpuprofile; read with bench/cpuprofile.ts).
 */
export async function profiled<T>(label: string, work: () => Promise<T>): Promise<T> {
  const prefix = process.env.BENCH_CPU_PROFILE;
  if (!prefix) return work();
  const stop = await startCpuProfile(500);
  try {
    return await work();
  } finally {
    const file = `${prefix}-${label}.cpuprofile`;
    await writeProfile(file, await stop());
    console.log(`CPU profile written to ${file}`);
  }
}

/** Starts V8's CPU profiler on this thread, sampling every `intervalUs`; returns its stop, which yields the profile. */
async function startCpuProfile(intervalUs: number): Promise<() => Promise<Profiler.Profile>> {
  const { Session } = await import("node:inspector/promises");
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: intervalUs });
  await session.post("Profiler.start");
  return async () => {
    const { profile } = await session.post("Profiler.stop");
    session.disconnect();
    return profile;
  };
}

async function writeProfile(file: string, profile: Profiler.Profile): Promise<void> {
  const { writeFile } = await import("node:fs/promises");
  await writeFile(file, JSON.stringify(profile));
}

/** Profiling of chosen windows of a longer run (see profiledWindows). */
export interface WindowedProfile {
  /** Starts a window (no-op unless profiling). */
  open(): void;
  /** Ends the window opened last. */
  close(): void;
  /** Stops the profiler and writes the samples taken inside the windows. */
  finish(): Promise<void>;
}

/**
 * Like `profiled`, for a run whose measured parts are windows among work
 * that is not measured (the three hops' promotions between their posts):
 * one profile, of the samples taken inside the windows only, written as
 * PREFIX-LABEL.cpuprofile when BENCH_CPU_PROFILE names a prefix.
 */
export async function profiledWindows(label: string): Promise<WindowedProfile> {
  const prefix = process.env.BENCH_CPU_PROFILE;
  if (!prefix) return { open() {}, close() {}, async finish() {} };
  const stop = await startCpuProfile(100);
  // V8's profile times are microseconds of the monotonic clock, as process.hrtime is.
  const now = () => Number(process.hrtime.bigint() / 1000n);
  const windows: [number, number][] = [];
  return {
    open() { windows.push([now(), Number.POSITIVE_INFINITY]); },
    close() { const last = windows.at(-1); if (last) last[1] = now(); },
    async finish() {
      const profile = await stop();
      const samples: number[] = [];
      const timeDeltas: number[] = [];
      let at = profile.startTime;
      for (let i = 0; i < profile.samples!.length; i++) {
        at += profile.timeDeltas![i];
        if (windows.some(([from, to]) => at >= from && at <= to)) {
          samples.push(profile.samples![i]);
          timeDeltas.push(profile.timeDeltas![i]);
        }
      }
      const file = `${prefix}-${label}.cpuprofile`;
      await writeProfile(file, { ...profile, samples, timeDeltas });
      const ms = timeDeltas.reduce((sum, d) => sum + d, 0) / 1000;
      console.log(`CPU profile of ${windows.length} windows (${ms.toFixed(0)} ms sampled) written to ${file}`);
    },
  };
}
