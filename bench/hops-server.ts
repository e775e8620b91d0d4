// One Praxis server of the three-hops benchmark (bench/hops.ts), run in a
// process of its own as each server runs on its own host, driven over IPC
// (bench/child.ts): { cmd: <a HopsServer method>, args: [...] } → { ok, value }.
// Loopback only.
import { benchLogging } from "./logging.ts";
import { HopsServer } from "./hops-places.ts";
import { startPraxis } from "../test/support/praxis.ts";

await benchLogging();
const praxis = await startPraxis({ queue: {} }, { workerThread: process.env.BENCH_HOPS_WORKER_THREAD === "1" });
const server = new HopsServer(praxis);
process.send?.({ ok: true });

process.on("message", async (message: { cmd: string; args?: unknown[] }) => {
  try {
    if (message.cmd === "stop") {
      await praxis.stop();
      process.send?.({ ok: true });
      process.exit(0);
    }
    const method = (server as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[message.cmd];
    if (typeof method !== "function") throw new Error(`unknown command ${message.cmd}`);
    process.send?.({ ok: true, value: await method.apply(server, message.args ?? []) });
  } catch (e) {
    process.send?.({ error: (e as Error).message });
  }
});
process.on("disconnect", () => process.exit(0));
