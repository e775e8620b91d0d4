// Moderation rules: bans, locked threads, announcement-only communities,
// and the report queue. Pure functions; the federation layer and the
// operations apply them.
import { ValidationError } from "./community.ts";

export interface Ban {
  /** ISO timestamp, or null for a ban without end. */
  expiresAt: string | null;
}

/** A ban holds until its expiry (exclusive); a ban without expiry holds forever. */
export function isBanActive(ban: Ban | null | undefined, now: Date = new Date()): boolean {
  if (!ban) return false;
  return ban.expiresAt === null || Date.parse(ban.expiresAt) > now.getTime();
}

const MAX_REASON_LENGTH = 1000;

/** A moderator's reason (sent to peers as `summary`): optional, trimmed, bounded. */
export function validateReason(reason: string | undefined | null): string | null {
  if (reason === undefined || reason === null) return null;
  const trimmed = reason.trim();
  if (trimmed.length > MAX_REASON_LENGTH) throw new ValidationError("reason", `must be at most ${MAX_REASON_LENGTH} characters`);
  return trimmed.length === 0 ? null : trimmed;
}

/** `--expires`: an ISO 8601 date or date-time in the future, normalised to UTC. */
export function parseBanExpiry(value: string | undefined | null, now: Date = new Date()): string | null {
  if (value === undefined || value === null || value === "") return null;
  if (!/^\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/.test(value)) {
    throw new ValidationError("expires", `"${value}" is not an ISO 8601 date such as 2030-01-31 or 2030-01-31T12:00:00Z`);
  }
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new ValidationError("expires", `"${value}" is not a valid date`);
  if (time <= now.getTime()) throw new ValidationError("expires", `"${value}" is in the past`);
  return new Date(time).toISOString();
}

export type ModerationRefusal =
  | "banned"            // the actor is banned from the community
  | "locked"            // a reply to a locked thread
  | "announcement-only"; // only the moderators' linked actors may post

export type ModerationDecision = { allowed: true } | { allowed: false; reason: ModerationRefusal };

export interface ModerationContext {
  actorIsBanned: boolean;
  isReply: boolean;
  /** Whether the thread this post replies into is locked; false for a top-level post. */
  threadLocked: boolean;
  announcementOnly: boolean;
  actorIsModerator: boolean;
}

/**
 * Whether a community's moderation lets a post through, on top of the
 * relay rules (visibility, membership). Moderators may post in
 * announcement-only communities and reply to locked threads, as in Lemmy.
 */
export function decideModeratedPost(p: ModerationContext): ModerationDecision {
  if (p.actorIsBanned) return { allowed: false, reason: "banned" };
  if (p.actorIsModerator) return { allowed: true };
  if (p.threadLocked) return { allowed: false, reason: "locked" };
  // In Lemmy, announcement-only restricts new threads; comments stay open.
  if (p.announcementOnly && !p.isReply) return { allowed: false, reason: "announcement-only" };
  return { allowed: true };
}

/**
 * A reaction (Like, Dislike) or an edit is refused from a banned actor;
 * everything else follows the relay rules.
 */
export function mayReact(p: { actorIsBanned: boolean }): boolean {
  return !p.actorIsBanned;
}

/** The report queue: a report is open until a moderator resolves or dismisses it. */
export type ReportStatus = "open" | "resolved" | "dismissed";

export function assertReportOpen(status: ReportStatus, id: string): void {
  if (status !== "open") throw new ValidationError("report", `report ${id} is already ${status}`);
}

/**
 * The community a report concerns: the community of the first reported post
 * that one of ours relayed (`communityOfObject` returns null for others),
 * else none, making it an instance-level report.
 */
export function reportCommunity(objects: readonly string[], communityOfObject: (uri: string) => string | null): string | null {
  for (const uri of objects) {
    const community = communityOfObject(uri);
    if (community) return community;
  }
  return null;
}

/** Keeps the URIs of a Flag's objects: http(s) only, deduplicated, at most `max`. */
export function reportedObjects(uris: readonly string[], max = 50): string[] {
  const out: string[] = [];
  for (const uri of uris) {
    if (!/^https?:\/\//.test(uri) || out.includes(uri)) continue;
    out.push(uri);
    if (out.length >= max) break;
  }
  return out;
}

/** A reporter's comment, bounded like Mastodon's (1000 characters). */
export function reportComment(content: string | null | undefined): string {
  return (content ?? "").trim().slice(0, 1000);
}

/**
 * Where a report is forwarded: the servers (origins) of the reported remote
 * objects, never our own.
 */
export function forwardOrigins(objects: readonly string[], localOrigin: string): string[] {
  const origins = new Set<string>();
  for (const uri of objects) {
    try {
      const origin = new URL(uri).origin;
      if (origin !== localOrigin) origins.add(origin);
    } catch {
      // Not a URL: nothing to forward to.
    }
  }
  return [...origins];
}
