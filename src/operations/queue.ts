// The delivery queue as an operator sees it: depth per kind of message, dead
// letters, and per remote host the deliveries waiting, the host's circuit
// (open: its deliveries are held until a probe succeeds), its last error and
// when the next attempt is due. `retryDeliveries` makes held and delayed
// deliveries due now (after a host came back). Shared by the CLI and, given
// these handles, by the admin API.
import { type KvKey, type KvStore, parseCircuitBreakerKvState } from "@fedify/fedify";
import type { DeliveryHosts } from "../db/delivery-hosts.ts";
import type { DeadLetter, KindStats, KyselyMessageQueue, QueueStats } from "../db/message-queue.ts";
import { recordAudit } from "./audit.ts";
import type { Operations } from "./communities.ts";

/** Where Fedify keeps its circuit breaker state (its default KV prefix). */
const CIRCUIT_PREFIX: KvKey = ["_fedify", "circuit"];

export interface QueueHandles {
  queue: KyselyMessageQueue;
  kv: KvStore;
  deliveryHosts: DeliveryHosts;
}

export type CircuitState = "closed" | "open" | "half-open";

export interface HostStatus {
  host: string;
  ready: number;
  delayed: number;
  inFlight: number;
  dead: number;
  /** When the earliest delayed delivery is due (a retry, or held until the circuit's next probe). */
  nextAttemptAt: string | null;
  circuit: CircuitState;
  /** When the circuit opened, if it is open or half-open. */
  circuitOpenedAt: string | null;
  /** Failed attempts since the last success. */
  failures: number;
  lastStatus: number | null;
  lastError: string | null;
  lastFailureAt: string | null;
  lastSuccessAt: string | null;
}

export interface QueueStatus extends QueueStats {
  kinds: KindStats[];
  hosts: HostStatus[];
  deadLetters: DeadLetter[];
}

interface Circuit {
  state: CircuitState;
  openedAt: string | null;
}

async function circuits(kv: KvStore): Promise<Map<string, Circuit>> {
  const found = new Map<string, Circuit>();
  for await (const { key, value } of kv.list(CIRCUIT_PREFIX)) {
    if (key.length !== CIRCUIT_PREFIX.length + 1) continue;
    const state = parseCircuitBreakerKvState(value);
    if (!state || state.state === "closed") continue;
    found.set(key[key.length - 1], { state: state.state, openedAt: state.opened ?? null });
  }
  return found;
}

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

/** Depth per kind, dead letters, and every host with queued deliveries, an open circuit or recent failures. */
export async function queueStatus(handles: QueueHandles, options: { hosts?: number; deadLetters?: number } = {}): Promise<QueueStatus> {
  const { queue, kv, deliveryHosts } = handles;
  const limit = options.hosts ?? 50;
  const [totals, kinds, queued, open, deadLetters] = await Promise.all([
    queue.stats(), queue.statsByKind(), queue.hostStats(limit), circuits(kv), queue.deadLetters(options.deadLetters ?? 20),
  ]);
  const outcomes = await deliveryHosts.list([...queued.map((h) => h.host), ...open.keys()], limit);
  const hosts = new Map<string, HostStatus>();
  const entry = (host: string): HostStatus => {
    let status = hosts.get(host);
    if (!status) {
      status = {
        host, ready: 0, delayed: 0, inFlight: 0, dead: 0, nextAttemptAt: null, circuit: "closed", circuitOpenedAt: null,
        failures: 0, lastStatus: null, lastError: null, lastFailureAt: null, lastSuccessAt: null,
      };
      hosts.set(host, status);
    }
    return status;
  };
  for (const q of queued) {
    Object.assign(entry(q.host), { ready: q.ready, delayed: q.delayed, inFlight: q.leased, dead: q.dead, nextAttemptAt: iso(q.nextAttemptAt) });
  }
  for (const [host, circuit] of open) Object.assign(entry(host), { circuit: circuit.state, circuitOpenedAt: circuit.openedAt });
  for (const o of outcomes) {
    Object.assign(entry(o.host), {
      failures: o.failures, lastStatus: o.lastStatus, lastError: o.lastError, lastFailureAt: iso(o.lastFailureAt), lastSuccessAt: iso(o.lastSuccessAt),
    });
  }
  // Open circuits first, then the hosts with most waiting.
  const rank = (h: HostStatus) => (h.circuit === "closed" ? 1 : 0);
  const sorted = [...hosts.values()].sort((a, b) =>
    rank(a) - rank(b) || (b.ready + b.delayed + b.inFlight) - (a.ready + a.delayed + a.inFlight) || b.failures - a.failures || a.host.localeCompare(b.host));
  return { ...totals, kinds, hosts: sorted.slice(0, limit), deadLetters };
}

export interface RetryResult {
  /** Delayed deliveries made due now. */
  rescheduled: number;
  /** Hosts whose open circuit was closed. */
  circuitsClosed: string[];
  /** Dead letters made deliverable again (with `dead`). */
  deadRetried: number;
}

/**
 * Retries now: closes the circuit of `host` (or of every host) and makes its
 * delayed deliveries due; with `dead`, dead letters are delivered again too.
 */
export async function retryDeliveries(handles: QueueHandles, options: { host?: string; dead?: boolean } = {}): Promise<RetryResult> {
  const { queue, kv } = handles;
  const host = options.host?.trim().toLowerCase() || undefined;
  const circuitsClosed: string[] = [];
  for (const name of (await circuits(kv)).keys()) {
    if (host !== undefined && name.toLowerCase() !== host) continue;
    await kv.delete([...CIRCUIT_PREFIX, name]);
    circuitsClosed.push(name);
  }
  const rescheduled = await queue.retryNow(host === undefined ? {} : { host });
  const deadRetried = options.dead ? await queue.retryDead() : 0;
  return { rescheduled, circuitsClosed, deadRetried };
}

/** `retryDeliveries` on someone's behalf ("cli:<user>", "account:<name>"), recorded in the audit log. */
export async function retryDeliveriesAs(ops: Operations, handles: QueueHandles, options: { host?: string; dead?: boolean }, by: string): Promise<RetryResult> {
  const result = await retryDeliveries(handles, options);
  await recordAudit(ops, {
    actor: by, action: "queue.retry", target: options.host?.trim() || null,
    details: { dead: !!options.dead, rescheduled: result.rescheduled, circuitsClosed: result.circuitsClosed, deadRetried: result.deadRetried },
  });
  return result;
}
