// Rules of working groups (the Build stream: a sub-community with a goal and
// an end date), their deliverables, and the core group (a membership cap
// with a waitlist). No Fedify, HTTP or database here.
import { type Community, ValidationError } from "./community.ts";

export const DELIVERABLE_STATUSES = ["planned", "in-progress", "done"] as const;
export type DeliverableStatus = (typeof DELIVERABLE_STATUSES)[number];

export interface Deliverable {
  id: string;
  communityId: string;
  title: string;
  status: DeliverableStatus;
  /** YYYY-MM-DD, or null. */
  due: string | null;
  /** Where the result lives (an http(s) URI), or null. */
  resourceUri: string | null;
  createdAt: string;
  updatedAt: string;
}

export const MAX_GOAL = 2000;
export const MAX_TITLE = 200;
/** The most members a cap may allow. */
export const MAX_MEMBERS_LIMIT = 1_000_000;

export function parseDeliverableStatus(value: string): DeliverableStatus {
  if (!(DELIVERABLE_STATUSES as readonly string[]).includes(value)) {
    throw new ValidationError("status", `expected one of ${DELIVERABLE_STATUSES.join(", ")}, got "${value}"`);
  }
  return value as DeliverableStatus;
}

/**
 * Whether a deliverable may go from one status to another. Work moves
 * forward or back between planned, in-progress and done; once the working
 * group is archived nothing changes any more.
 */
export function decideStatusChange(p: { from: DeliverableStatus; to: DeliverableStatus; archived: boolean }):
  { allowed: true } | { allowed: false; reason: string } {
  if (p.archived) return { allowed: false, reason: "the working group is archived: its deliverables are final" };
  return { allowed: true };
}

export function validateTitle(title: string): string {
  const t = title.trim().replace(/\s+/g, " ");
  if (t.length === 0 || t.length > MAX_TITLE) throw new ValidationError("title", `must be 1–${MAX_TITLE} characters`);
  return t;
}

export function validateGoal(goal: string): string {
  const g = goal.trim();
  if (g.length === 0 || g.length > MAX_GOAL) throw new ValidationError("goal", `must be 1–${MAX_GOAL} characters`);
  return g;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

function isRealDate(y: number, m: number, d: number): boolean {
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** A calendar date YYYY-MM-DD (a deliverable's due date). */
export function parseDate(field: string, value: string): string {
  const m = DATE_RE.exec(value.trim());
  if (!m || !isRealDate(Number(m[1]), Number(m[2]), Number(m[3]))) {
    throw new ValidationError(field, `"${value}" is not a date such as 2026-06-30`);
  }
  return m[0];
}

/**
 * A working group's end date: a calendar date (the group ends at the end of
 * that day, UTC) or an ISO 8601 date-time with a time zone; it must be in
 * the future. Returned as an ISO instant, which sorts as text.
 */
export function parseEndDate(value: string, now: Date = new Date()): string {
  const v = value.trim();
  let at: Date;
  if (DATE_RE.test(v)) {
    const date = parseDate("ends", v);
    at = new Date(`${date}T23:59:59.999Z`);
  } else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v))) {
    at = new Date(v);
  } else {
    throw new ValidationError("ends", `"${value}" is not a date such as 2026-06-30 (or a date-time with a time zone)`);
  }
  if (at.getTime() <= now.getTime()) throw new ValidationError("ends", `${v} is not in the future`);
  return at.toISOString();
}

/** The membership cap: a whole number from 1, or null/"" for none. */
export function parseMaxMembers(value: string | number | null): number | null {
  if (value === null || value === "" || value === "none") return null;
  const n = typeof value === "number" ? value : /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_MEMBERS_LIMIT) {
    throw new ValidationError("max-members", `expected a whole number from 1 to ${MAX_MEMBERS_LIMIT} (or "none"), got "${value}"`);
  }
  return n;
}

/**
 * Goal and end date belong to the Build stream: they are accepted only on a
 * community whose stream (after the change) is build.
 */
export function checkWorkingGroupFields(p: { stream: string | null; goal?: string | null; endsAt?: string | null }): void {
  if (p.stream === "build") return;
  if (p.goal) throw new ValidationError("goal", "only a working group (--stream build) has a goal");
  if (p.endsAt) throw new ValidationError("ends", "only a working group (--stream build) has an end date");
}

/** Whether the working group's end date has passed (it is then archived). */
export function isPastEnd(community: Pick<Community, "endsAt">, now: Date = new Date()): boolean {
  return community.endsAt !== null && Date.parse(community.endsAt) <= now.getTime();
}

export function isArchived(community: Pick<Community, "archivedAt">): boolean {
  return community.archivedAt !== null;
}

export type CapDecision =
  | { action: "accept" }
  | { action: "reject"; reason: string }
  | { action: "wait"; position: number };

/**
 * The core group: what a new Follow gets given the cap. An open community
 * at its cap says no (Reject, with the reason); a closed one keeps the
 * request waiting, behind those already waiting.
 */
export function decideCappedFollow(p: { closed: boolean; maxMembers: number | null; members: number; waiting: number }): CapDecision {
  const full = p.maxMembers !== null && p.members >= p.maxMembers;
  if (!p.closed) {
    return full ? { action: "reject", reason: fullMessage(p.maxMembers!) } : { action: "accept" };
  }
  return { action: "wait", position: p.waiting + 1 };
}

export function fullMessage(maxMembers: number): string {
  return `This community is full: it has reached its limit of ${maxMembers} member${maxMembers === 1 ? "" : "s"}.`;
}

/** Whether a moderator may approve one more member. */
export function mayApprove(p: { maxMembers: number | null; members: number }): boolean {
  return p.maxMembers === null || p.members < p.maxMembers;
}

/**
 * Waitlist positions: join requests in the order they were made (ties by
 * actor URI), numbered from 1. Each request's position counts how many
 * seats must free up before it can be approved when the community is full.
 */
export function waitlist<T extends { requestedAt: string; actorUri: string }>(requests: T[]): (T & { position: number })[] {
  return [...requests]
    .sort((a, b) => a.requestedAt.localeCompare(b.requestedAt) || a.actorUri.localeCompare(b.actorUri))
    .map((r, i) => ({ ...r, position: i + 1 }));
}

/** Validates a deliverable's resource: an absolute http(s) URI. */
export function validateResourceUri(value: string): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new ValidationError("resource", `"${value}" is not an absolute URI`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new ValidationError("resource", "must be an http(s) URI");
  if (url.href.length > 2000) throw new ValidationError("resource", "must be at most 2000 characters");
  return url.href;
}
