// A community's activities to its followers, streamed.
//
// Fedify's sendActivity(…, "followers") loads every follower into memory,
// puts every inbox in one queued fan-out message, and builds every delivery
// at once. Praxis instead:
//
// 1. prepares the activity once: an Announce (a relayed post, a boost) by
//    Praxis itself (src/federation/announce-json.ts: serialised once, with
//    an integrity proof, without a Linked Data signature); any other by
//    Fedify, exactly as it would for any delivery — id and actor
//    transformers, integrity proof (Ed25519), JSON-LD compaction, Linked
//    Data signature (RSA), keys — by sending it to a placeholder recipient
//    with `fanout: "skip"` while the delivery gate captures the one delivery
//    message Fedify queues. Either is the *template*;
// 2. queues one fan-out job (`praxis:fanout`, in the queue's fan-out lane)
//    with the templates of the activities relayed together (a post's
//    Announce and its boost) — or, when the members fit in one page, queues
//    their deliveries at once;
// 3. in the worker, reads the community's accepted members in pages of
//    PAGE_SIZE (actor URI order, an index scan), keeps those the domain
//    policy allows, groups them by inbox (the shared inbox when there is one,
//    as `preferSharedInbox` does), and queues each page's deliveries in one
//    batch: for each inbox, a copy of each template with that inbox, its
//    members as the actors concerned, a fresh id and the ordering key
//    Fedify would give it (`<key>\n<inbox origin>`), the activities of one
//    inbox next to each other so that they share a kept-alive connection;
// 4. records how far it got after each page, so that a worker that dies
//    mid-fan-out resumes from there (a page may be queued twice: receivers
//    deduplicate activities by id).
//
// No follower list is ever loaded whole, nothing is signed or serialised per
// inbox, and no database round trip is made per member.
import { randomUUID } from "node:crypto";
import { AsyncLocalStorage } from "node:async_hooks";
import type { Context } from "@fedify/fedify";
import { type Activity, Announce } from "@fedify/vocab";
import { getLogger } from "@logtape/logtape";
import type { Repositories } from "../db/repositories/index.ts";
import type { DeliveryTarget } from "../db/repositories/memberships.ts";
import { SingleFlight } from "../db/single-flight.ts";
import type { Community } from "../domain/community.ts";
import type { AppServices } from "../services.ts";
import { type CommunityKeyPairs, prepareAnnounce } from "./announce-json.ts";
import type { DomainPolicy } from "./domain-policy.ts";

const logger = getLogger(["praxis", "federation", "fanout"]);

export const FANOUT_TYPE = "praxis:fanout";
/** Members read per page. */
export const PAGE_SIZE = 1000;
/** Where the placeholder delivery goes; it is captured, never sent. */
const PLACEHOLDER = new URL("https://fanout.invalid/inbox");

/** A delivery message as Fedify queues it (OutboxMessage), as far as the fan-out rewrites it. */
interface OutboxTemplate {
  type: "outbox";
  id: string;
  inbox: string;
  sharedInbox: boolean;
  actorIds: string[];
  started: string;
  attempt: number;
  orderingKey?: string;
  [field: string]: unknown;
}

export interface FanoutJob {
  type: typeof FANOUT_TYPE;
  community: string;
  /** One per activity, in the order they are delivered to each inbox. */
  templates: { message: OutboxTemplate; orderingKey: string | null }[];
  /** The last member whose page was queued; null before the first. */
  after: string | null;
  /**
   * A follower not to deliver to (unless another follower shares its
   * inbox): the linked neighbour a cascaded post came from, which holds it.
   */
  except?: string | null;
}

/** Activities prepared for a community's followers (FollowerFanout.prepare), not yet sent. */
export interface PreparedRelay {
  job: FanoutJob;
  /** Each activity's JSON as it is sent (signed), in order. */
  sent: unknown[];
}

export interface RelayOptions {
  /** A follower the activities are not sent to (FanoutJob.except). */
  except?: string;
}

export interface RelayItem {
  activity: Activity;
  /** Deliveries of activities with the same key reach each inbox in order. */
  orderingKey?: string;
}

/** Where deliveries are queued: the delivery gate, which applies the domain policy. */
export interface DeliverySink {
  enqueue(message: unknown): Promise<void>;
  enqueueDeliveries(entries: { message: unknown; orderingKey?: string | null }[]): Promise<void>;
}

/** Deliveries Fedify queues within `captureDeliveries` are handed back instead (the gate checks this). */
const capture = new AsyncLocalStorage<unknown[]>();

/** The list to put a delivery in instead of queueing it, if one is being captured. */
export function capturedDeliveries(): unknown[] | undefined {
  return capture.getStore();
}

function isTemplate(message: unknown): message is OutboxTemplate {
  const m = message as Partial<OutboxTemplate> | null;
  return m?.type === "outbox" && m.inbox === PLACEHOLDER.href && typeof m.id === "string" && Array.isArray(m.actorIds)
    && typeof m.started === "string" && m.attempt === 0;
}

export interface FollowerFanoutOptions {
  repos: Repositories;
  domainPolicy: DomainPolicy;
  deliveries: DeliverySink;
  /** Records the job's progress in its queued message (KyselyMessageQueue.checkpoint). */
  checkpoint(job: FanoutJob): Promise<void>;
}

export class FollowerFanout {
  readonly #options: FollowerFanoutOptions;
  /** The first page of a community's members being read now, by community id. */
  readonly #firstPages = new SingleFlight<string, DeliveryTarget[]>();

  constructor(options: FollowerFanoutOptions) {
    this.#options = options;
  }

  /**
   * Prepares the activities for every follower's inbox and sends them (see
   * `prepare` and `send`); returns each activity's JSON as it is sent
   * (signed), or null when Fedify did not produce a delivery to copy (the
   * caller then sends through Fedify's own fan-out).
   */
  async relay(ctx: Context<AppServices>, community: Community, items: RelayItem[], options: RelayOptions = {}): Promise<unknown[] | null> {
    const prepared = await this.prepare(ctx, community, items);
    if (!prepared) return null;
    if (options.except) prepared.job.except = options.except;
    await this.send(prepared);
    return prepared.sent;
  }

  /**
   * Prepares the activities for every follower's inbox, sending nothing:
   * each activity signed and serialised once, as a template of its
   * deliveries; null when Fedify did not produce a delivery to copy.
   */
  async prepare(ctx: Context<AppServices>, community: Community, items: RelayItem[]): Promise<PreparedRelay | null> {
    const templates: FanoutJob["templates"] = [];
    let keys: Promise<CommunityKeyPairs> | undefined;
    for (const { activity, orderingKey } of items) {
      if (activity instanceof Announce) {
        // The hot path: prepared by Praxis, as Fedify would but for its LD signature (announce-json.ts).
        keys ??= ctx.getActorKeyPairs(community.slug);
        const message = await prepareAnnounce(ctx, await keys, activity, PLACEHOLDER) as unknown as OutboxTemplate;
        templates.push({ message, orderingKey: orderingKey ?? null });
        continue;
      }
      const captured: unknown[] = [];
      await capture.run(captured, () => ctx.sendActivity({ identifier: community.slug }, {
        id: ctx.getFollowersUri(community.slug), inboxId: PLACEHOLDER, endpoints: null,
      }, activity, { preferSharedInbox: true, fanout: "skip", ...(orderingKey ? { orderingKey } : {}) }));
      const [message] = captured;
      if (captured.length !== 1 || !isTemplate(message)) {
        logger.warn("Fedify queued no usable delivery for {activity}; using its own fan-out", { activity: activity.id?.href });
        return null;
      }
      templates.push({ message, orderingKey: orderingKey ?? null });
    }
    return { job: { type: FANOUT_TYPE, community: community.id, templates, after: null }, sent: templates.map((t) => t.message.activity) };
  }

  /** Queues the deliveries of prepared activities to every follower's inbox. */
  async send(prepared: PreparedRelay): Promise<void> {
    const { job } = prepared;
    // A community whose members fit in one page gets its deliveries queued
    // at once, without the extra hop of a fan-out job.
    const first = await this.#firstPage(job.community);
    if (first.length < PAGE_SIZE) await this.#deliverPage(job, first, new Set());
    else await this.#options.deliveries.enqueue(job);
  }

  /**
   * The first page of a community's members. Relays that reach this point
   * while a read of it is on its way (a burst of posts to one community)
   * share that read's answer, as if they had come a moment earlier.
   */
  #firstPage(community: string): Promise<DeliveryTarget[]> {
    return this.#firstPages.run(community, () => this.#options.repos.memberships.deliveryPage(community, null, PAGE_SIZE));
  }

  /** Runs a fan-out job (in the worker); resumes after `job.after`. */
  async handle(job: FanoutJob): Promise<void> {
    /** Inboxes already given this job's deliveries (a shared inbox's members may span pages). */
    const done = new Set<string>();
    let after = job.after;
    let queued = 0;
    for (;;) {
      const page = await this.#options.repos.memberships.deliveryPage(job.community, after, PAGE_SIZE);
      if (page.length === 0) break;
      queued += await this.#deliverPage(job, page, done);
      after = page[page.length - 1].actorUri;
      if (page.length < PAGE_SIZE) break;
      await this.#options.checkpoint({ ...job, after });
    }
    logger.debug("Fan-out of {activities} to community {community}: {n} deliveries queued",
      { activities: job.templates.map((t) => t.message.activityId), community: job.community, n: queued });
  }

  /** Queues the job's deliveries to one page of members, grouped by inbox; returns how many. */
  async #deliverPage(job: FanoutJob, page: DeliveryTarget[], done: Set<string>): Promise<number> {
    const inboxes = new Map<string, { shared: boolean; actorIds: string[] }>();
    for (const member of page) {
      if (member.actorUri === job.except) continue;
      const inbox = member.sharedInbox ?? member.inbox;
      if (!inbox || done.has(inbox)) continue;
      let entry = inboxes.get(inbox);
      if (!entry) {
        // Members on hosts the domain policy refuses get nothing.
        if (!(await this.#options.domainPolicy.allowsUri(inbox))) continue;
        inboxes.set(inbox, entry = { shared: member.sharedInbox !== null, actorIds: [] });
      }
      entry.actorIds.push(member.actorUri);
    }
    const entries: { message: unknown; orderingKey: string | null }[] = [];
    const started = new Date().toISOString();
    for (const [inbox, { shared, actorIds }] of inboxes) {
      let origin: string;
      try {
        origin = new URL(inbox).origin;
      } catch {
        continue;
      }
      done.add(inbox);
      for (const { message, orderingKey } of job.templates) {
        // Fedify's per-inbox ordering key: the activity's key and the inbox's origin.
        const key = orderingKey === null ? null : `${orderingKey}\n${origin}`;
        entries.push({
          message: { ...message, id: randomUUID(), inbox, sharedInbox: shared, actorIds, started, ...(key ? { orderingKey: key } : {}) },
          orderingKey: key,
        });
      }
    }
    await this.#options.deliveries.enqueueDeliveries(entries);
    return entries.length;
  }
}

/** Whether a queued message is a fan-out job. */
export function isFanoutJob(message: unknown): message is FanoutJob {
  const m = message as Partial<FanoutJob> | null;
  return m?.type === FANOUT_TYPE && typeof m.community === "string" && Array.isArray(m.templates);
}
