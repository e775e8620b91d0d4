// Fedify 2.3.6 has no hook to veto a recipient before delivery, so Praxis
// wraps the message queue it gives Fedify. The gate:
//
// - drops an outbox message (one delivery to one inbox) for a host the domain
//   policy refuses, when it is enqueued and again when it is taken, so a block
//   also stops deliveries already queued; inbox messages whose actor has been
//   blocked since they were accepted are dropped the same way;
// - runs every handler inside the instance's outbound policy
//   (withOutboundPolicy), so that what Fedify fetches or posts for it is held
//   to its address rules, deadlines and size limits;
// - with private addresses refused, drops a delivery whose inbox is, or
//   resolves to, a non-public address before Fedify signs and sends it (the
//   connection-time check in src/net would refuse it anyway, but then Fedify
//   would retry it as if the host were down);
// - records each delivery's outcome per host (praxis queue status);
// - sends the deliveries that need nothing of Fedify's judgement itself
//   (src/federation/fast-delivery.ts) and hands the others, and every failed
//   attempt (its outcome replayed), to Fedify's handler;
// - runs Praxis's own fan-out jobs (src/federation/fanout.ts), and hands the
//   delivery Fedify prepares for one back to it instead of queueing it;
// - gives incoming activities about an object an ordering key, so that they
//   are processed in the order they arrived;
// - keeps only the RSA key in queued deliveries: the Ed25519 key signs
//   integrity proofs at fan-out, never a delivery, and a private key less in
//   the queue table is one less to protect.
import { AsyncLocalStorage } from "node:async_hooks";
import type { MessageQueue, MessageQueueEnqueueOptions, MessageQueueListenOptions } from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";
import type { DeliveryHosts } from "../db/delivery-hosts.ts";
import { firstNonPublicAddress, type OutboundPolicy, withOutboundPolicy } from "../net/outbound.ts";
import { withReplayedResponse } from "../net/replay.ts";
import type { DomainPolicy } from "./domain-policy.ts";
import type { FastDelivery } from "./fast-delivery.ts";
import { capturedDeliveries, type FollowerFanout, isFanoutJob } from "./fanout.ts";
import { idOf } from "./json-values.ts";
import { isQueuedAdmission, queuedAdmission } from "./signer.ts";

const logger = getLogger(["praxis", "federation", "policy"]);
const deliveryLogger = getLogger(["praxis", "federation", "delivery"]);

interface QueuedMessage {
  type?: string;
  inbox?: string;
  activity?: { actor?: unknown };
  activityId?: string;
  activityType?: string;
  attempt?: number;
}

/** One delivery attempt in progress: what Fedify's callbacks report about it. */
export interface DeliveryAttempt {
  readonly inbox: string;
  readonly host: string;
  readonly activityId: string | undefined;
  /** Deliveries before this one (Fedify's retry count). */
  readonly attempt: number;
  failure?: { status: number | null; reason: string };
  /** Fedify queued the message again (a retry, or held by the host's open circuit). */
  requeued?: boolean;
}

const attempts = new AsyncLocalStorage<DeliveryAttempt>();

/** The delivery attempt whose handler is running in the current async context, if any. */
export function currentDeliveryAttempt(): DeliveryAttempt | undefined {
  return attempts.getStore();
}

function actorOf(activity: { actor?: unknown } | undefined): string | null {
  const actor = activity?.actor;
  if (typeof actor === "string") return actor;
  if (Array.isArray(actor)) return typeof actor[0] === "string" ? actor[0] : (actor[0] as { id?: string })?.id ?? null;
  if (actor && typeof actor === "object") return (actor as { id?: string }).id ?? null;
  return null;
}

export interface DeliveryGateOptions {
  /** The instance's outbound policy; handlers run inside it. */
  outbound?: OutboundPolicy;
  /** Where delivery outcomes per host are recorded. */
  hosts?: DeliveryHosts;
  /** Sends deliveries that qualify without Fedify's handler. */
  fastPath?: FastDelivery;
}

/** How long an address check of a host is reused. */
const ADDRESS_CHECK_TTL_MS = 60_000;

/** Activity types whose processing must follow the order they arrived in, per object. */
const ORDERED_INBOX_TYPES = new Set(["Create", "Update", "Delete", "Announce"]);

/**
 * The ordering key of an incoming activity about an object (Fedify queues
 * them without one): an edit or a deletion is then never processed before
 * the post it changes, nor an Announce of an edit before the Announce of the
 * post, however many inbox handlers run at once.
 */
export function inboxOrderingKey(message: unknown): string | undefined {
  const m = message as { type?: string; activity?: { type?: unknown; object?: unknown } } | null;
  if (m?.type !== "inbox" || !ORDERED_INBOX_TYPES.has(String(m.activity?.type))) return undefined;
  const object = m.activity!.object;
  // An Announce of an activity (a Create or an Update) is about that activity's object.
  const inner = typeof object === "object" && object !== null && "object" in object ? idOf((object as { object?: unknown }).object) : null;
  const id = inner ?? idOf(object);
  return id === null ? undefined : `inbox\n${id}`;
}

/** A delivery's message with its non-RSA private keys left out (Fedify signs deliveries with the RSA key only). */
function rsaKeyOnly(message: unknown): unknown {
  const m = message as { type?: string; keys?: { privateKey?: { kty?: string } }[] };
  if (m?.type !== "outbox" || !Array.isArray(m.keys)) return message;
  const rsa = m.keys.filter((k) => k?.privateKey?.kty === "RSA");
  return rsa.length > 0 && rsa.length < m.keys.length ? { ...m, keys: rsa } : message;
}

export class DeliveryGate implements MessageQueue {
  readonly #inner: MessageQueue;
  readonly #policy: DomainPolicy;
  readonly #outbound: OutboundPolicy | undefined;
  readonly #hosts: DeliveryHosts | undefined;
  readonly #fastPath: FastDelivery | undefined;
  #fanout: FollowerFanout | undefined;
  #beforeInbox: ((message: { baseUrl?: unknown; activity?: unknown }) => Promise<void>) | undefined;
  readonly #addressChecks = new Map<string, { at: number; refused: string | null }>();
  readonly nativeRetrial: boolean | undefined;
  readonly getDepth?: MessageQueue["getDepth"];

  constructor(inner: MessageQueue, policy: DomainPolicy, options: DeliveryGateOptions = {}) {
    this.#inner = inner;
    this.#policy = policy;
    this.#outbound = options.outbound;
    this.#hosts = options.hosts;
    this.#fastPath = options.fastPath;
    this.nativeRetrial = inner.nativeRetrial;
    if (inner.getDepth) this.getDepth = () => inner.getDepth!();
  }

  /** Whether the message may go on; logs and answers false when the policy refuses it. */
  async #permits(message: unknown): Promise<boolean> {
    const m = message as QueuedMessage;
    if (m?.type === "outbox" && m.inbox) {
      if (await this.#policy.allowsUri(m.inbox)) return true;
      logger.info("Not delivering {activity} to {inbox}: the domain policy refuses that host", { activity: m.activityId, inbox: m.inbox });
      return false;
    }
    if (m?.type === "inbox") {
      const actor = actorOf(m.activity);
      if (actor === null || (await this.#policy.allowsUri(actor))) return true;
      logger.info("Dropping queued inbox activity from {actor}: the domain policy refuses that host", { actor });
      return false;
    }
    return true;
  }

  /** The non-public address `inbox` uses, when the outbound policy refuses such addresses; else null. */
  async #refusedAddress(inbox: URL): Promise<string | null> {
    if (!this.#outbound || this.#outbound.allowPrivateAddress) return null;
    const now = Date.now();
    const cached = this.#addressChecks.get(inbox.hostname);
    if (cached && now - cached.at < ADDRESS_CHECK_TTL_MS) return cached.refused;
    let refused: string | null;
    try {
      refused = await firstNonPublicAddress(inbox);
    } catch {
      // Unresolvable for now: Fedify tries, fails and retries like any unreachable host.
      return null;
    }
    if (this.#addressChecks.size > 10_000) this.#addressChecks.clear();
    this.#addressChecks.set(inbox.hostname, { at: now, refused });
    return refused;
  }

  /** Calls `before` (not awaited) as each incoming activity is taken, before its handler runs (set once the federation exists). */
  beforeInboxWith(before: (message: { baseUrl?: unknown; activity?: unknown }) => Promise<void>): void {
    this.#beforeInbox = before;
  }

  /** Runs Praxis's fan-out jobs with `fanout` (set once both exist). */
  handleFanoutWith(fanout: FollowerFanout): void {
    this.#fanout = fanout;
  }

  async enqueue(message: unknown, options?: MessageQueueEnqueueOptions): Promise<void> {
    if (this.#captured(message)) return;
    this.#noteRequeue(message);
    const key = options?.orderingKey === undefined ? inboxOrderingKey(message) : undefined;
    if (await this.#permits(message)) await this.#inner.enqueue(rsaKeyOnly(message), key ? { ...options, orderingKey: key } : options);
  }

  async enqueueMany(messages: readonly unknown[], options?: MessageQueueEnqueueOptions): Promise<void> {
    const kept: unknown[] = [];
    for (const m of messages) {
      if (this.#captured(m)) continue;
      this.#noteRequeue(m);
      if (await this.#permits(m)) kept.push(rsaKeyOnly(m));
    }
    if (kept.length === 0) return;
    if (this.#inner.enqueueMany) await this.#inner.enqueueMany(kept, options);
    else for (const m of kept) await this.#inner.enqueue(m, options);
  }

  /**
   * Queues a fan-out's deliveries, each with its own ordering key, in one
   * batch (the domain policy applies to each as to any delivery).
   */
  async enqueueDeliveries(entries: { message: unknown; orderingKey?: string | null }[]): Promise<void> {
    const kept: { message: unknown; orderingKey?: string | null }[] = [];
    for (const entry of entries) if (await this.#permits(entry.message)) kept.push({ ...entry, message: rsaKeyOnly(entry.message) });
    if (kept.length === 0) return;
    const inner = this.#inner as MessageQueue & { enqueueEach?(entries: { message: unknown; orderingKey?: string | null }[]): Promise<void> };
    if (inner.enqueueEach) return inner.enqueueEach(kept);
    for (const { message, orderingKey } of kept) await inner.enqueue(message, orderingKey ? { orderingKey } : undefined);
  }

  /** A delivery Fedify prepared for a fan-out to copy: handed back, not queued. */
  #captured(message: unknown): boolean {
    const captured = capturedDeliveries();
    if (!captured || (message as QueuedMessage)?.type !== "outbox") return false;
    captured.push(message);
    return true;
  }

  /** Fedify enqueues a delivery again from inside its handler when it retries it or holds it. */
  #noteRequeue(message: unknown): void {
    const attempt = attempts.getStore();
    const m = message as QueuedMessage;
    if (attempt && m?.type === "outbox" && m.inbox === attempt.inbox) attempt.requeued = true;
  }

  listen(handler: (message: any) => Promise<void> | void, options?: MessageQueueListenOptions): Promise<void> {
    const run = (message: unknown) => this.#handle(message, handler);
    const scoped = this.#outbound
      ? (message: unknown) => withOutboundPolicy(this.#outbound!, () => run(message))
      : run;
    return this.#inner.listen(scoped, options);
  }

  async #handle(message: unknown, handler: (message: any) => Promise<void> | void): Promise<void> {
    if (isFanoutJob(message)) {
      if (!this.#fanout) throw new Error("A fan-out job was queued but this worker cannot run fan-outs");
      return this.#fanout.handle(message);
    }
    if (!(await this.#permits(message))) return;
    const m = message as QueuedMessage & { praxisAdmission?: unknown };
    if (m?.type === "inbox") {
      // A post a neighbour's announce names is fetched while Fedify parses the announce (inbox/announced-objects.ts).
      void this.#beforeInbox?.(m);
      // What the inbox's direct path checked before queueing it, for admissionProblem (signer.ts).
      const admission = isQueuedAdmission(m.praxisAdmission) ? m.praxisAdmission : null;
      return void (await queuedAdmission.run(admission, () => handler(message)));
    }
    if (m?.type !== "outbox" || !m.inbox) return void (await handler(message));
    let inbox: URL;
    try {
      inbox = new URL(m.inbox);
    } catch {
      return void (await handler(message));
    }
    const refused = await this.#refusedAddress(inbox);
    if (refused !== null) {
      deliveryLogger.warn(
        "Not delivering {activity} to {inbox}: {host} is not a public address ({address}) and allowPrivateAddress is off; dropped",
        { activity: m.activityId, inbox: m.inbox, host: inbox.hostname, address: refused });
      await this.#record(inbox.host, { status: null, reason: `Refused: ${refused} is not a public address (allowPrivateAddress is off)` });
      return;
    }
    const attempt: DeliveryAttempt = { inbox: m.inbox, host: inbox.host, activityId: m.activityId, attempt: m.attempt ?? 0 };
    await attempts.run(attempt, async () => {
      const fast = this.#fastPath ? await this.#fastPath.deliver(message) : null;
      if (fast?.delivered) return;
      // A failed attempt: Fedify's handler judges it from the same answer, without sending again.
      if (fast?.replay) return withReplayedResponse(fast.replay, fast.replay.outcome, () => handler(message));
      return handler(message);
    });
    if (attempt.failure) await this.#record(attempt.host, attempt.failure);
    else if (!attempt.requeued) await this.#record(attempt.host, null);
  }

  async #record(host: string, failure: DeliveryAttempt["failure"] | null): Promise<void> {
    if (!this.#hosts) return;
    try {
      if (failure) await this.#hosts.recordFailure(host, failure.status, failure.reason);
      else await this.#hosts.recordSuccess(host);
    } catch (error) {
      deliveryLogger.warn("Could not record the delivery outcome for {host}: {error}", { host, error });
    }
  }
}
