// One Praxis server of the three-hops benchmark (bench/hops.ts), run in a
// process of its own as each server runs on its own host, driven over IPC
// (bench/child.ts): each HopsServer method is a command. Loopback only.
import { answerCommands } from "./child.ts";
import { benchLogging } from "./logging.ts";
import { HopsServer } from "./hops-places.ts";
import { profiledWindows, type WindowedProfile } from "./lib.ts";
import { installSqlStats, printSqlStats, recordSqlStats, resetSqlStats } from "./sql-stats.ts";
import { startPraxis } from "../test/support/praxis.ts";

await benchLogging();
const praxis = await startPraxis({ queue: {} }, { workerThread: process.env.BENCH_HOPS_WORKER_THREAD === "1" });
const server = new HopsServer(praxis);
const methods = Object.getOwnPropertyNames(HopsServer.prototype).filter((name) => name !== "constructor" && name !== "stop");
// With BENCH_CPU_PROFILE: this server's samples inside the windows the benchmark opens (its promotions).
let profile: WindowedProfile | null = null;
let sqlLabel = "";
installSqlStats();
answerCommands({
  ...Object.fromEntries(methods.map((name) => {
    const method = (server as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[name];
    return [name, (...args: unknown[]) => method.apply(server, args)];
  })),
  profileStart: async (label: string) => {
    profile = await profiledWindows(label);
    sqlLabel = label;
    resetSqlStats();
    recordSqlStats(false);
  },
  profileOpen: async () => { profile?.open(); recordSqlStats(true); },
  profileClose: async () => { profile?.close(); recordSqlStats(false); },
  profileFinish: async () => {
    await profile?.finish();
    printSqlStats(`the promotions, in ${sqlLabel}'s process`);
  },
}, () => praxis.stop());
