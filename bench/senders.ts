// The parent side of bench/sender.ts.
import { forkChild } from "./child.ts";

export interface SenderActor {
  id: string;
  inbox: string;
  sharedInbox: string;
}

export interface BurstResult {
  ms: number;
  statuses: Record<string, number>;
}

export interface SenderStats {
  received: Record<string, number>;
  /** GET requests the target made of the sender, per path. */
  gets: Record<string, number>;
  firstAt: number;
  lastAt: number;
}

export interface Sender {
  origin: string;
  actors: SenderActor[];
  /**
   * Posts `n` signed Create(Note) to `inbox` mentioning `group`, `concurrency`
   * at a time, members in turn; every `editEvery`th post is then edited.
   */
  burst(inbox: string, group: string, n: number, concurrency: number, tag: string, editEvery?: number): Promise<BurstResult>;
  /** Resolves once `n` activities of `type` arrived; false after `timeoutMs`. */
  awaitReceived(type: string, n: number, timeoutMs: number): Promise<{ ok: boolean; count: number; lastAt: number }>;
  stats(): Promise<SenderStats>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export async function startSender(members: number, address: string): Promise<Sender> {
  const child = forkChild(new URL("./sender.ts", import.meta.url));
  const { origin, actors } = await child.ask<{ origin: string; actors: SenderActor[] }>({ cmd: "start", members, address });
  return {
    origin,
    actors,
    burst: (inbox, group, n, concurrency, tag, editEvery = 0) => child.ask<BurstResult>({ cmd: "burst", inbox, group, n, concurrency, tag, editEvery }),
    awaitReceived: (type, n, timeoutMs) => child.ask({ cmd: "await", type, n, timeoutMs }),
    stats: () => child.ask<SenderStats>({ cmd: "stats" }),
    async reset() {
      await child.ask({ cmd: "reset" });
    },
    stop: () => child.stop(),
  };
}
