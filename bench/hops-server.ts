// One Praxis server of the three-hops benchmark (bench/hops.ts), run in a
// process of its own as each server runs on its own host, driven over IPC
// (bench/child.ts): each HopsServer method is a command. Loopback only.
import { answerCommands } from "./child.ts";
import { benchLogging } from "./logging.ts";
import { HopsServer } from "./hops-places.ts";
import { startPraxis } from "../test/support/praxis.ts";

await benchLogging();
const praxis = await startPraxis({ queue: {} }, { workerThread: process.env.BENCH_HOPS_WORKER_THREAD === "1" });
const server = new HopsServer(praxis);
const methods = Object.getOwnPropertyNames(HopsServer.prototype).filter((name) => name !== "constructor" && name !== "stop");
answerCommands(Object.fromEntries(methods.map((name) => {
  const method = (server as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[name];
  return [name, (...args: unknown[]) => method.apply(server, args)];
})), () => praxis.stop());
