// The posts a linked neighbour's announces name, fetched from their own
// servers (src/federation/inbox/network.ts reads only the announce's ids and
// decides from the post as its origin serves it).
//
// - Once for announces that arrive together (a neighbour's Announce(Create)
//   and its boost of the same post): a second one waiting for the same id
//   shares the first one's answer.
// - Ahead of the handler: when the queue worker takes a neighbour's
//   announce of a post by id, it starts fetching the post at once, before
//   Fedify parses the announce and Praxis's handler runs, so that the
//   fetch's round trip (a signed GET, the other server's answer) overlaps
//   that work instead of following it. This is the middle of a promotion's
//   way down the network (a parent's boost, cascaded by a child to its own
//   followers). Only for announces from a Group a community here is
//   actively linked with, of a post no such community holds as its own, on
//   a host the domain policy allows: what the handler would fetch anyway.
//   The handler takes what was fetched ahead; answers nobody took are
//   dropped oldest first beyond AHEAD_MAX, or as they come of age
//   (AHEAD_TTL_MS) when the next one is fetched, and one that old is never used.
import type { Context, DocumentLoader, Federation } from "@fedify/fedify";
import type { Object as APObject } from "@fedify/vocab";
import { SingleFlight } from "../../db/single-flight.ts";
import type { AppServices } from "../../services.ts";
import { INSTANCE_ACTOR } from "../addressing.ts";
import { lenientLoader } from "../lenient-json.ts";

/** How long a post fetched ahead waits for its handler. */
const AHEAD_TTL_MS = 30_000;
/** Posts fetched ahead kept per server at most (the oldest are dropped). */
const AHEAD_MAX = 256;

/** Per server: the announced objects being fetched now, by id. */
const fetching = new WeakMap<object, SingleFlight<string, unknown>>();
/** Per server: posts fetched ahead of their handler, by id. */
const ahead = new WeakMap<object, Map<string, { at: number; object: Promise<APObject | null> }>>();

/**
 * Fetches an announced object once for the announces of it that arrive
 * together: a second one waiting for the same id shares the first one's
 * answer, which is forgotten once it arrives. A failure reads as null.
 */
export function sharedLookup<T>(server: object, id: string, load: () => Promise<T>): Promise<T | null> {
  let flights = fetching.get(server);
  if (!flights) fetching.set(server, flights = new SingleFlight());
  return flights.run(id, () => load().catch(() => null)) as Promise<T | null>;
}

function lookup(ctx: Context<AppServices>, id: string, documentLoader: DocumentLoader = ctx.documentLoader): Promise<APObject | null> {
  return sharedLookup(ctx.data, id, () => ctx.lookupObject(id, { documentLoader: lenientLoader(documentLoader) }));
}

/** The announced object `id` as its own server serves it: fetched ahead if it was, else now. */
export function fetchAnnounced(ctx: Context<AppServices>, id: string): Promise<APObject | null> {
  const fetched = ahead.get(ctx.data);
  const entry = fetched?.get(id);
  if (entry) {
    fetched!.delete(id);
    if (Date.now() - entry.at <= AHEAD_TTL_MS) return entry.object;
  }
  return lookup(ctx, id);
}

/** A queued inbox message, as the delivery gate sees it. */
interface QueuedInbox {
  baseUrl?: unknown;
  activity?: unknown;
  /** The community whose own inbox received it; absent for the shared inbox. */
  identifier?: unknown;
}

/**
 * Starts fetching the post that a queued announce names by id, when the
 * handler would fetch it (see the module comment). Never throws.
 */
export async function fetchAhead(federation: Federation<AppServices>, services: AppServices, message: QueuedInbox): Promise<void> {
  try {
    const activity = message.activity as Record<string, unknown> | null;
    if (activity?.type !== "Announce" || typeof activity.actor !== "string" || typeof activity.object !== "string") return;
    const { actor, object: id } = activity;
    if (typeof message.baseUrl !== "string" || !URL.canParse(message.baseUrl) || !URL.canParse(id)) return;
    const { repos } = services;
    const linked = (await repos.links.withPeer(actor)).filter((link) => link.status === "active");
    if (linked.length === 0) return;
    const homes = new Set((await repos.posts.findByObject(id)).map((post) => post.community_id));
    if (linked.every((link) => homes.has(link.community_id))) return;
    if (!(await services.domainPolicy.allowsUri(id))) return;
    let fetched = ahead.get(services);
    if (!fetched) ahead.set(services, fetched = new Map());
    if (fetched.has(id)) return;
    const now = Date.now();
    for (const [key, entry] of fetched) {
      if (fetched.size < AHEAD_MAX && now - entry.at <= AHEAD_TTL_MS) break;
      fetched.delete(key);
    }
    // Signed as the handler's fetch is (Fedify's queued inbox handling): by
    // the community whose inbox received it, else by the instance actor.
    const ctx = federation.createContext(new URL(message.baseUrl), services);
    const signer = typeof message.identifier === "string" ? message.identifier : INSTANCE_ACTOR;
    const object = ctx.getDocumentLoader({ identifier: signer }).then((loader) => lookup(ctx, id, loader));
    fetched.set(id, { at: now, object: object.catch(() => null) });
  } catch {
    // The handler fetches it then.
  }
}
