// Whether a community accepts and relays an incoming post, and which
// announces it then sends. Pure rules; the federation layer applies them.
import type { Visibility } from "./addressing.ts";
import { isPublicVisibility } from "./addressing.ts";
import type { PostingPolicy } from "./community.ts";

export type RelayRefusal =
  | "not-public"        // followers-only or direct: never leaves its audience
  | "not-member"        // the community only accepts posts from its members
  | "deleted-community" // the community is a tombstone
  | "foreign-audience"; // the post's audience is another group

export type RelayDecision = { relay: true } | { relay: false; reason: RelayRefusal };

export interface PostContext {
  visibility: Visibility;
  authorIsMember: boolean;
  postingPolicy: PostingPolicy;
  communityDeleted: boolean;
  audienceIsOtherGroup: boolean;
}

export function decidePostRelay(p: PostContext): RelayDecision {
  if (p.communityDeleted) return { relay: false, reason: "deleted-community" };
  if (!isPublicVisibility(p.visibility)) return { relay: false, reason: "not-public" };
  if (p.audienceIsOtherGroup) return { relay: false, reason: "foreign-audience" };
  if (!p.authorIsMember && p.postingPolicy === "members") return { relay: false, reason: "not-member" };
  return { relay: true };
}

/**
 * A reaction (Like, Update, Delete, Undo) on a stored post is relayed when
 * the actor is allowed to post there: the author themselves for Update and
 * Delete, anyone the posting policy admits for a Like.
 */
export function decideReactionRelay(p: { actorIsMember: boolean; postingPolicy: PostingPolicy; postDeleted: boolean }): boolean {
  if (p.postDeleted) return false;
  return p.actorIsMember || p.postingPolicy === "anyone";
}

/** Only the author (same actor) may edit or delete a post. */
export function mayChangePost(actorUri: string, authorUri: string): boolean {
  return actorUri === authorUri;
}

/**
 * The two announces a community sends for a new post (FEP-1b12): the
 * original activity for threadiverse peers, the bare object for
 * Mastodon-family members, who show it as a boost.
 */
export const ANNOUNCE_KINDS = ["announce-activity", "announce-object"] as const;
export type AnnounceKind = (typeof ANNOUNCE_KINDS)[number];
