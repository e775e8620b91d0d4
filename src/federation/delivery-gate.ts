// Fedify 2.3.6 has no hook to veto a recipient before delivery, so Praxis
// wraps the message queue it gives Fedify: an outbox message (one delivery
// to one inbox) for a host the domain policy refuses is dropped when it is
// enqueued and again when it is taken, so a block also stops deliveries
// already queued. Inbox messages whose actor has been blocked since they
// were accepted are dropped the same way.
import type { MessageQueue, MessageQueueEnqueueOptions, MessageQueueListenOptions } from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";
import type { DomainPolicy } from "./domain-policy.ts";

const logger = getLogger(["praxis", "federation", "policy"]);

interface QueuedMessage {
  type?: string;
  inbox?: string;
  activity?: { actor?: unknown };
  activityId?: string;
}

function actorOf(activity: { actor?: unknown } | undefined): string | null {
  const actor = activity?.actor;
  if (typeof actor === "string") return actor;
  if (Array.isArray(actor)) return typeof actor[0] === "string" ? actor[0] : (actor[0] as { id?: string })?.id ?? null;
  if (actor && typeof actor === "object") return (actor as { id?: string }).id ?? null;
  return null;
}

export class DeliveryGate implements MessageQueue {
  readonly #inner: MessageQueue;
  readonly #policy: DomainPolicy;
  readonly nativeRetrial: boolean | undefined;
  readonly getDepth?: MessageQueue["getDepth"];

  constructor(inner: MessageQueue, policy: DomainPolicy) {
    this.#inner = inner;
    this.#policy = policy;
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

  async enqueue(message: unknown, options?: MessageQueueEnqueueOptions): Promise<void> {
    if (await this.#permits(message)) await this.#inner.enqueue(message, options);
  }

  async enqueueMany(messages: readonly unknown[], options?: MessageQueueEnqueueOptions): Promise<void> {
    const kept: unknown[] = [];
    for (const m of messages) if (await this.#permits(m)) kept.push(m);
    if (kept.length === 0) return;
    if (this.#inner.enqueueMany) await this.#inner.enqueueMany(kept, options);
    else for (const m of kept) await this.#inner.enqueue(m, options);
  }

  listen(handler: (message: any) => Promise<void> | void, options?: MessageQueueListenOptions): Promise<void> {
    return this.#inner.listen(async (message) => {
      if (await this.#permits(message)) await handler(message);
    }, options);
  }
}
