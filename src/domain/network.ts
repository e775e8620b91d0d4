// Rules of the fractal network: which links may exist, and what content may
// flow along them. Pure functions; the federation layer gathers the facts
// (over HTTP) and applies the decisions.

/** "parent": the peer is our parent; "child": the peer is one of our sub-communities. */
export type Relation = "parent" | "child";

export const DEFAULT_MAX_DEPTH = 6;

/** A community in the network as a server knows it, and what it claims its links are (unverified). */
export interface NetworkGroup {
  uri: string;
  /** On this server. */
  local: boolean;
  name: string | null;
  handle: string | null;
  /** Its web page (falls back to `uri`). */
  url: string | null;
  scale: string | null;
  closed: boolean;
  members: number | null;
  parents: readonly string[];
  children: readonly string[];
}

export type LinkRefusal =
  | "self"          // a community cannot be its own parent
  | "cycle"         // the child is already an ancestor of the parent
  | "too-deep"      // the longest chain would exceed the depth cap
  | "not-a-group"   // link activities come only from Group actors, about themselves
  | "exists";       // already linked (or a request is pending) the other way round

export type LinkDecision = { ok: true } | { ok: false; reason: LinkRefusal; message: string };

export interface ProposedLink {
  parent: string;
  child: string;
  /** Every ancestor of the parent (verified links only), however far up. */
  ancestorsOfParent: ReadonlySet<string>;
  /** Links in the longest verified chain above the parent (0 for a root). */
  heightAboveParent: number;
  /** Links in the longest verified chain below the child (0 for a leaf). */
  depthBelowChild: number;
  maxDepth: number;
}

/**
 * A link parent → child is allowed when it closes no cycle (the child is
 * neither the parent nor one of its ancestors) and the longest chain through
 * it, counted in levels (communities), stays within the cap.
 */
export function decideLink(p: ProposedLink): LinkDecision {
  if (p.parent === p.child) return { ok: false, reason: "self", message: "a community cannot be linked to itself" };
  if (p.ancestorsOfParent.has(p.child)) {
    return { ok: false, reason: "cycle", message: "the sub-community is already an ancestor of the parent: the link would close a cycle" };
  }
  const levels = p.heightAboveParent + 1 + p.depthBelowChild + 1;
  if (levels > p.maxDepth) {
    return { ok: false, reason: "too-deep", message: `the network would be ${levels} levels deep; the limit is ${p.maxDepth}` };
  }
  return { ok: true };
}

/**
 * Content crosses a link only from a public (open) community, or between two
 * closed ones: a closed community's posts never reach a public neighbour.
 */
export function mayFlow(source: { closed: boolean }, destination: { closed: boolean }): boolean {
  return !source.closed || destination.closed;
}

export interface IncomingAnnounce {
  /** How the announcing neighbour is linked to the receiving community. */
  relation: Relation;
  /** The announcing neighbour is a closed community. */
  neighbourClosed: boolean;
  receiverClosed: boolean;
  objectIsPublic: boolean;
  objectIsReply: boolean;
  /** The object is one of the receiver's own posts. */
  ownPost: boolean;
  /** The receiver has announced this object before (ever). */
  alreadyAnnounced: boolean;
  /** The receiver already holds this object from the network. */
  alreadyHeld: boolean;
  cascadeEnabled: boolean;
  /** For announces from a child: the object matches a promotion rule. */
  matchesPromotionRule: boolean;
}

export type NetworkAction =
  | { action: "ignore"; reason: string }
  /** Keep it with provenance ("From sub-communities"); do not re-announce. */
  | { action: "roll-up"; promote: boolean }
  /** Keep it and re-announce it to our own followers. */
  | { action: "cascade" };

/**
 * What a community does with an object a linked neighbour announced.
 * Upward only what comes from a child, downward only what comes from a
 * parent; an object is announced at most once, ever, so no relay chain can
 * loop, whatever the topology.
 */
export function decideIncomingAnnounce(a: IncomingAnnounce): NetworkAction {
  if (!a.objectIsPublic) return { action: "ignore", reason: "not public" };
  if (!mayFlow({ closed: a.neighbourClosed }, { closed: a.receiverClosed })) {
    return { action: "ignore", reason: "closed community's content never reaches a public one" };
  }
  if (a.ownPost) return { action: "ignore", reason: "our own post came back" };
  if (a.objectIsReply) return { action: "ignore", reason: "replies stay in their thread" };
  if (a.relation === "child") {
    if (a.alreadyHeld) return { action: "ignore", reason: "already rolled up" };
    return { action: "roll-up", promote: a.matchesPromotionRule && !a.alreadyAnnounced };
  }
  if (!a.cascadeEnabled) return { action: "ignore", reason: "cascade is off" };
  if (a.alreadyAnnounced) return { action: "ignore", reason: "already announced" };
  return { action: "cascade" };
}

/** Whether a promotion by a moderator may go ahead. */
export function decidePromotion(p: { held: boolean; withdrawn: boolean; alreadyAnnounced: boolean; ownPost: boolean }): LinkDecision | { ok: false; reason: string; message: string } {
  if (p.alreadyAnnounced) return { ok: false, reason: "announced", message: "the community has already announced this post (a post is announced at most once)" };
  if (p.ownPost) return { ok: false, reason: "own", message: "this is the community's own post; it was announced when it was posted" };
  if (!p.held) return { ok: false, reason: "unknown", message: "the post has not reached this community from its network (only rolled-up posts can be promoted)" };
  if (p.withdrawn) return { ok: false, reason: "withdrawn", message: "the post was deleted or withdrawn" };
  return { ok: true };
}

/** Hashtag names without "#", lower-cased, for matching promotion rules. */
export function normalizeTag(tag: string): string {
  return tag.replace(/^#/, "").trim().toLowerCase();
}

export function matchesPromotionRule(tags: readonly string[], promoteTags: readonly string[]): boolean {
  if (promoteTags.length === 0) return false;
  const wanted = new Set(promoteTags.map(normalizeTag));
  return tags.some((t) => wanted.has(normalizeTag(t)));
}

/**
 * Whether a link request from `peerUri` is approved without a moderator:
 * patterns are hosts ("cop.example") or Group URIs, or "*" for anyone.
 */
export function isAutoApproved(peerUri: string, patterns: readonly string[]): boolean {
  let host: string;
  try {
    host = new URL(peerUri).host;
  } catch {
    return false;
  }
  return patterns.some((p) => p === "*" || p === peerUri || p.toLowerCase() === host.toLowerCase());
}
