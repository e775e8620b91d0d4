// The author's server of the three-hops benchmark (bench/hops.ts) in a
// process of its own: a stock Fedify peer with alice alone, as when the
// author's server is another host than her readers'. Driven over IPC
// (bench/child.ts): "follow", "post", "accepts". Loopback only.
import { answerCommands } from "./child.ts";
import { benchLogging } from "./logging.ts";
import { startPeer } from "../test/support/peer.ts";

await benchLogging();
const peer = await startPeer({ users: ["alice"], sharedInbox: false });
answerCommands({
  follow: (user: string, target: string) => peer.follow(user, target),
  post: (user: string, options: { content: string; mention: string[] }) => peer.post(user, options),
  accepts: async () => peer.receivedOf("Accept").length,
}, () => peer.stop());
