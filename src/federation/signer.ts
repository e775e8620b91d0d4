// Who may speak for an actor (FEP-fe34 origin rules). Fedify 2.3.6 accepts
// a key whose own document names the actor as its owner, wherever that
// document is served, so anyone could sign "as" anyone. Praxis binds every
// signer to the activity's actor itself: a key counts for an actor when it
// sits on the actor's origin, or when the actor's own document, fetched from
// the actor's origin, lists it.
//
// Where it runs: between Fedify's signature verification and the 202. The
// inbox guard reads, from the request, the keyIds the activity may be
// verified with (HTTP signature, Linked Data signature creator) and keeps
// them in `inboxRequestScope` while Fedify handles the request; Fedify then
// verifies the signature against exactly one of those keys, parses the
// activity and, before it queues it, asks for an idempotency key — the hook
// `admitInboxActivity` runs there, with the parsed actor(s), the proofs'
// verification methods and the request's keyIds. Every key that may have
// verified the activity must be bound to its one actor; otherwise the
// request is refused (401) and nothing is queued. The domain policy is
// applied there too, to the parsed actor and the signers (403).
//
// Listeners run later in the worker, without the request: the hook leaves
// an admission record (activity id → actor) that `admissionProblem` checks
// before any listener runs, so an activity whose re-parse in the worker
// differs from what was admitted (a remote @context that changed in
// between) is dropped.
import { AsyncLocalStorage } from "node:async_hooks";
import type { Context, KvKey, KvStore } from "@fedify/fedify";
import { type Activity, isActor } from "@fedify/vocab";
import { Temporal } from "@js-temporal/polyfill";
import { getLogger } from "@logtape/logtape";
import { hostOf } from "../domain/hosts.ts";
import type { AppServices } from "../services.ts";

const logger = getLogger(["praxis", "federation", "signer"]);

/** What the inbox guard learnt from the request, for the admission hook. */
export interface InboxRequestInfo {
  /** keyIds of the HTTP signature(s) handed on to Fedify; empty when the guard removed them. */
  httpKeyIds: string[];
  /** The `creator` of the body's Linked Data signature, if it has one. */
  ldCreator: string | null;
}

export const inboxRequestScope = new AsyncLocalStorage<InboxRequestInfo>();

/** An inbox request refused after Fedify verified it; the web layer answers `status`. */
export class InboxRefusal extends Error {
  override name = "InboxRefusal";
  readonly status: 400 | 401 | 403;
  constructor(status: 400 | 401 | 403, message: string) {
    super(message);
    this.status = status;
  }
}

export function originOf(uri: string | URL): string | null {
  try {
    return new URL(uri).origin;
  } catch {
    return null;
  }
}

export function sameOrigin(a: string | URL, b: string | URL): boolean {
  const oa = originOf(a);
  return oa !== null && oa !== "null" && oa === originOf(b);
}

/**
 * Whether the key `keyId` may speak for `actorId`: it is on the actor's
 * origin, or the actor's document (fetched from the actor's origin, its id
 * the actor's) lists it as a public key or an assertion method.
 */
export async function keyBelongsTo(ctx: Context<AppServices>, keyId: string, actorId: string): Promise<boolean> {
  if (sameOrigin(keyId, actorId)) return true;
  const actor = await ctx.lookupObject(actorId, { crossOrigin: "ignore" }).catch(() => null);
  if (!isActor(actor) || actor.id?.href !== actorId) return false;
  return [...actor.publicKeyIds, ...actor.assertionMethodIds].some((k) => k.href === keyId);
}

/**
 * Hosts whose signatures have verified and bound here before, per process
 * (insertion-ordered, oldest forgotten first). The inbox guard rate-limits
 * requests from them per host; requests naming any other host are counted
 * against the connecting address, which an attacker cannot vary for free.
 */
export class VerifiedHosts {
  readonly #hosts = new Set<string>();
  readonly #max: number;

  constructor(max = 50_000) {
    this.#max = max;
  }

  has(host: string): boolean {
    return this.#hosts.has(host);
  }

  add(host: string): void {
    if (this.#hosts.has(host)) return;
    if (this.#hosts.size >= this.#max) this.#hosts.delete(this.#hosts.values().next().value!);
    this.#hosts.add(host);
  }
}

const verifiedHostsByServices = new WeakMap<AppServices, VerifiedHosts>();

/** The verified-host registry of this process's services. */
export function verifiedHosts(services: AppServices): VerifiedHosts {
  let hosts = verifiedHostsByServices.get(services);
  if (!hosts) {
    hosts = new VerifiedHosts();
    verifiedHostsByServices.set(services, hosts);
  }
  return hosts;
}

const ADMISSION_PREFIX = ["praxis", "inbox-admission"] as const;
// Long enough for the queue's retries of a message; the record is tiny.
const ADMISSION_TTL = Temporal.Duration.from({ hours: 72 });

function admissionKey(activityId: string): KvKey {
  return [...ADMISSION_PREFIX, activityId];
}

/** Proofs are read as embedded only: a proof fetched again could differ from the one Fedify verified. */
const refuseFetch = (url: string): never => {
  throw new Error(`integrity proofs must be embedded, not referenced (${url})`);
};

async function proofMethods(ctx: Context<AppServices>, activity: Activity): Promise<string[]> {
  const methods: string[] = [];
  try {
    for await (const proof of activity.getProofs({ documentLoader: refuseFetch, contextLoader: ctx.contextLoader })) {
      if (proof.verificationMethodId) methods.push(proof.verificationMethodId.href);
    }
  } catch (e) {
    throw new InboxRefusal(401, `The activity's integrity proofs could not be read: ${(e as Error).message}`);
  }
  return methods;
}

/** The activity's distinct actors. */
export function actorsOf(activity: Activity): string[] {
  return [...new Set(activity.actorIds.map((u) => u.href))];
}

async function refusedByPolicy(services: AppServices, uris: Iterable<string>): Promise<string | null> {
  for (const uri of uris) {
    const host = hostOf(uri);
    if (host === null) continue;
    const verdict = await services.domainPolicy.judge(host);
    if (!verdict.allowed) {
      const why = verdict.reason === "blocked" ? "is blocked by this server" : "is not on this server's allow-list";
      return `Activities from ${host} are refused: the domain ${why}.`;
    }
  }
  return null;
}

/**
 * The admission hook: runs once Fedify has verified and parsed an inbox
 * activity, before it is queued. Throws `InboxRefusal` when the activity
 * names more than one actor, when the actor or a signer is on a host the
 * domain policy refuses, or when a key it may have been verified with is not
 * bound to its actor. On success, records the admission for the worker.
 */
export async function admitInboxActivity(ctx: Context<AppServices>, activity: Activity, kv: KvStore): Promise<void> {
  const request = inboxRequestScope.getStore();
  if (!request) throw new InboxRefusal(400, "This inbox request did not pass the inbox guard.");
  if (!activity.id) throw new InboxRefusal(400, "An activity must have an id.");
  const actors = actorsOf(activity);
  if (actors.length !== 1) {
    throw new InboxRefusal(401, `An activity must name exactly one actor, the owner of the key that signed it; this one names ${actors.length}.`);
  }
  const [actor] = actors;
  const signers = [...new Set([...request.httpKeyIds, ...(request.ldCreator ? [request.ldCreator] : []), ...await proofMethods(ctx, activity)])];
  if (signers.length === 0) throw new InboxRefusal(401, "The activity is not signed.");
  const refused = await refusedByPolicy(ctx.data, [actor, ...signers]);
  if (refused) throw new InboxRefusal(403, refused);
  for (const keyId of signers) {
    if (!(await keyBelongsTo(ctx, keyId, actor))) {
      logger.info("Refused {id}: its key {keyId} does not belong to {actor}", { id: activity.id.href, keyId, actor });
      throw new InboxRefusal(401, `The key ${keyId} does not belong to the actor ${actor}: a key must be on the actor's origin or listed in the actor's own document.`);
    }
  }
  const hosts = verifiedHosts(ctx.data);
  for (const keyId of signers) {
    const host = hostOf(keyId);
    if (host) hosts.add(host);
  }
  await kv.set(admissionKey(activity.id.href), { actor }, { ttl: ADMISSION_TTL as unknown as globalThis.Temporal.Duration });
}

/**
 * What the inbox's direct path (src/federation/inbox-accept.ts) queues with
 * an activity it accepted, in place of an admission record: the one actor
 * it parsed to (as its JSON names it) and the keyIds whose signature
 * verified, all on that actor's origin.
 */
export interface QueuedAdmission {
  actor: string;
  keyIds: string[];
}

/** The queued admission of the inbox message being handled (set by the delivery gate), if it carries one. */
export const queuedAdmission = new AsyncLocalStorage<QueuedAdmission | null>();

/** Whether `value` is a QueuedAdmission (it comes from the queue's stored message). */
export function isQueuedAdmission(value: unknown): value is QueuedAdmission {
  const v = value as Partial<QueuedAdmission> | null;
  return typeof v?.actor === "string" && Array.isArray(v.keyIds) && v.keyIds.length > 0 && v.keyIds.every((k) => typeof k === "string");
}

/**
 * Why a queued activity must not reach a listener (null when it may): it
 * was not admitted as it now parses, or its actor's host is refused by the
 * policy as it stands now. An activity the direct path queued is admitted
 * here: it must parse to exactly the one actor the JSON named, on whose
 * origin every key that verified it sits (FEP-fe34, as in
 * admitInboxActivity); otherwise the admission record the hook wrote decides.
 */
export async function admissionProblem(ctx: Context<AppServices>, activity: Activity, kv: KvStore): Promise<string | null> {
  if (!activity.id) return "it has no id";
  const actors = actorsOf(activity);
  if (actors.length !== 1) return `it names ${actors.length} actors`;
  const queued = queuedAdmission.getStore();
  if (queued) {
    if (queued.actor !== actors[0]) return "it does not parse to the actor it was accepted for";
    const stray = queued.keyIds.find((keyId) => !sameOrigin(keyId, actors[0]));
    if (stray) return `its key ${stray} is not on its actor's origin`;
  } else {
    const record = await kv.get<{ actor?: unknown }>(admissionKey(activity.id.href));
    if (!record || record.actor !== actors[0]) return "it was not admitted with this actor by the inbox";
  }
  return await refusedByPolicy(ctx.data, actors);
}
