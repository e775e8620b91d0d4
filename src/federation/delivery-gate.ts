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
// - records each delivery's outcome per host (praxis queue status).
import { AsyncLocalStorage } from "node:async_hooks";
import type { MessageQueue, MessageQueueEnqueueOptions, MessageQueueListenOptions } from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";
import type { DeliveryHosts } from "../db/delivery-hosts.ts";
import { firstNonPublicAddress, type OutboundPolicy, withOutboundPolicy } from "../net/outbound.ts";
import type { DomainPolicy } from "./domain-policy.ts";

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
}

/** How long an address check of a host is reused. */
const ADDRESS_CHECK_TTL_MS = 60_000;

export class DeliveryGate implements MessageQueue {
  readonly #inner: MessageQueue;
  readonly #policy: DomainPolicy;
  readonly #outbound: OutboundPolicy | undefined;
  readonly #hosts: DeliveryHosts | undefined;
  readonly #addressChecks = new Map<string, { at: number; refused: string | null }>();
  readonly nativeRetrial: boolean | undefined;
  readonly getDepth?: MessageQueue["getDepth"];

  constructor(inner: MessageQueue, policy: DomainPolicy, options: DeliveryGateOptions = {}) {
    this.#inner = inner;
    this.#policy = policy;
    this.#outbound = options.outbound;
    this.#hosts = options.hosts;
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

  async enqueue(message: unknown, options?: MessageQueueEnqueueOptions): Promise<void> {
    this.#noteRequeue(message);
    if (await this.#permits(message)) await this.#inner.enqueue(message, options);
  }

  async enqueueMany(messages: readonly unknown[], options?: MessageQueueEnqueueOptions): Promise<void> {
    const kept: unknown[] = [];
    for (const m of messages) {
      this.#noteRequeue(m);
      if (await this.#permits(m)) kept.push(m);
    }
    if (kept.length === 0) return;
    if (this.#inner.enqueueMany) await this.#inner.enqueueMany(kept, options);
    else for (const m of kept) await this.#inner.enqueue(m, options);
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
    if (!(await this.#permits(message))) return;
    const m = message as QueuedMessage;
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
    await attempts.run(attempt, async () => handler(message));
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
