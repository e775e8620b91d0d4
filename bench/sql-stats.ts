// Times every SQLite statement when BENCH_SQL_STATS=1: better-sqlite3's
// prepare and its statements' run/all/get are wrapped in this process, and
// `printSqlStats()` prints count, total and mean time per SQL text, and how
// many times each was prepared.
import SQLite from "better-sqlite3";

interface Stat {
  prepares: number;
  prepareMs: number;
  runs: number;
  runMs: number;
}

const stats = new Map<string, Stat>();
let installed = false;
/** Off between the windows a benchmark measures (the three hops' promotions). */
let recording = true;

function statOf(sql: string): Stat {
  let s = stats.get(sql);
  if (!s) {
    s = { prepares: 0, prepareMs: 0, runs: 0, runMs: 0 };
    stats.set(sql, s);
  }
  return s;
}

export function installSqlStats(): boolean {
  if (installed || process.env.BENCH_SQL_STATS !== "1") return installed;
  installed = true;
  const proto = SQLite.prototype as unknown as { prepare(sql: string): SQLite.Statement };
  const prepare = proto.prepare;
  const probe = new SQLite(":memory:");
  const statementProto = Object.getPrototypeOf(probe.prepare("select 1")) as Record<string, (...args: unknown[]) => unknown>;
  probe.close();
  for (const method of ["run", "all", "get"]) {
    const original = statementProto[method];
    statementProto[method] = function (this: SQLite.Statement, ...args: unknown[]) {
      const t = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        if (recording) {
          const s = statOf(this.source);
          s.runs++;
          s.runMs += performance.now() - t;
        }
      }
    };
  }
  proto.prepare = function (this: SQLite.Database, sql: string) {
    const t = performance.now();
    try {
      return prepare.call(this, sql);
    } finally {
      const s = statOf(sql);
      s.prepares++;
      s.prepareMs += performance.now() - t;
    }
  };
  return true;
}

/** Counts statements from now on (true, the default) or not until called again with true. */
export function recordSqlStats(on: boolean): void {
  recording = on;
}

export function resetSqlStats(): void {
  stats.clear();
}

export function printSqlStats(title: string, top = 25): void {
  if (!installed) return;
  const rows = [...stats].sort((a, b) => (b[1].runMs + b[1].prepareMs) - (a[1].runMs + a[1].prepareMs)).slice(0, top);
  const total = [...stats.values()].reduce((t, s) => t + s.runMs + s.prepareMs, 0);
  const runs = [...stats.values()].reduce((t, s) => t + s.runs, 0);
  console.log(`\nSQL statements during ${title}: ${runs} executions, ${total.toFixed(0)} ms (prepare + run)`);
  for (const [sql, s] of rows) {
    console.log(`${(s.runMs + s.prepareMs).toFixed(0).padStart(6)} ms  runs ${String(s.runs).padStart(6)}  prep ${String(s.prepares).padStart(6)} (${s.prepareMs.toFixed(0)} ms)  mean ${((s.runMs) / Math.max(1, s.runs) * 1000).toFixed(0)} µs  ${sql.replace(/\s+/g, " ").slice(0, 150)}`);
  }
}
