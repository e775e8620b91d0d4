// The parent side of bench/sink.ts: starts the stand-in inboxes in a child
// process and talks to it over IPC, one request at a time.
import { forkChild } from "./child.ts";

export interface SinkHostSpec {
  address: string;
  /** 0 (default): the OS picks a free port. */
  port?: number;
  /** Delay before answering each POST. */
  delayMs?: number;
}

export interface SinkLogEntry {
  host: string;
  type: string;
  id: string | null;
  object: string | null;
  /** The object's own object, for an Announce of an activity. */
  inner: string | null;
  at: number;
}

export interface SinkStats {
  total: number;
  /** Epoch ms of the first and the last POST answered since the last reset. */
  firstAt: number;
  lastAt: number;
  hosts: number;
  maxInFlight: number;
  maxInFlightPerHost: number;
  /** Distinct client connections seen. */
  connections: number;
  log?: SinkLogEntry[];
}

export interface Sinks {
  /** Starts one server per spec; returns their origins (http://address:port), in order. */
  listen(hosts: SinkHostSpec[], options?: { track?: boolean }): Promise<string[]>;
  /** Resolves once `n` POSTs arrived in all; false if `timeoutMs` passed first. */
  awaitTotal(n: number, timeoutMs: number): Promise<boolean>;
  stats(withLog?: boolean): Promise<SinkStats>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * `count` distinct loopback hosts in 127.`octet`.0.0/16 (127.octet.x.y,
 * y from 1 to 250), each on its own OS-chosen port.
 */
export function loopbackHosts(count: number, octet: number, delayMs = 0): SinkHostSpec[] {
  if (count > 250 * 250) throw new RangeError(`at most ${250 * 250} hosts per octet`);
  return Array.from({ length: count }, (_, i) => ({
    address: `127.${octet}.${Math.floor(i / 250)}.${(i % 250) + 1}`,
    delayMs,
  }));
}

export async function startSinks(): Promise<Sinks> {
  const child = forkChild(new URL("./sink.ts", import.meta.url));
  const ask = child.ask;
  return {
    async listen(hosts, options = {}) {
      const reply = await ask<{ hosts: string[] }>({ cmd: "listen", hosts: hosts.map((h) => ({ port: 0, ...h })), track: options.track });
      return reply.hosts.map((h) => `http://${h}`);
    },
    async awaitTotal(n, timeoutMs) {
      return (await ask<{ ok: boolean }>({ cmd: "await", n, timeoutMs })).ok;
    },
    stats: (withLog = false) => ask<SinkStats>({ cmd: "stats", log: withLog }),
    async reset() {
      await ask({ cmd: "reset" });
    },
    stop: () => child.stop(),
  };
}
