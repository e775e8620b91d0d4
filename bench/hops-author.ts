// The author's server of the three-hops benchmark (bench/hops.ts) in a
// process of its own: a stock Fedify peer with alice alone, as when the
// author's server is another host than her readers'. Driven over IPC
// (bench/child.ts): { cmd: "follow" | "post" | "accepts", args } → { value }.
// Loopback only.
import { benchLogging } from "./logging.ts";
import { startPeer } from "../test/support/peer.ts";

await benchLogging();
const peer = await startPeer({ users: ["alice"], sharedInbox: false });
process.send?.({ ok: true });

const commands: Record<string, (...args: any[]) => Promise<unknown>> = {
  follow: (user: string, target: string) => peer.follow(user, target),
  post: (user: string, options: { content: string; mention: string[] }) => peer.post(user, options),
  accepts: async () => peer.receivedOf("Accept").length,
};

process.on("message", async (message: { cmd: string; args?: unknown[] }) => {
  try {
    if (message.cmd === "stop") {
      await peer.stop();
      process.send?.({ ok: true });
      process.exit(0);
    }
    const command = commands[message.cmd];
    if (!command) throw new Error(`unknown command ${message.cmd}`);
    process.send?.({ ok: true, value: await command(...(message.args ?? [])) });
  } catch (e) {
    process.send?.({ error: (e as Error).message });
  }
});
process.on("disconnect", () => process.exit(0));
