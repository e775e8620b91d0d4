// Meetings of a community: what a facilitator may set, and who attends.
// Pure rules; when occurrences fall is in recurrence.ts.
import { ValidationError } from "./community.ts";

export type MeetingStatus = "scheduled" | "cancelled";
/** An attendee's answer: attending, waiting for a seat, or maybe. */
export type AttendanceStatus = "accepted" | "waitlisted" | "tentative";

export function validateTitle(value: string): string {
  const v = value.trim();
  if (v.length < 1 || v.length > 200) throw new ValidationError("title", "expected 1 to 200 characters");
  return v;
}

export function validatePlace(value: string): string | null {
  const v = value.trim();
  if (v.length > 500) throw new ValidationError("place", "at most 500 characters");
  return v === "" ? null : v;
}

export function validateDescription(value: string): string {
  if (value.length > 10_000) throw new ValidationError("description", "at most 10000 characters");
  return value.trim();
}

/** An online meeting's address: an absolute http(s) URL. */
export function validateOnlineUrl(value: string): string | null {
  const v = value.trim();
  if (v === "") return null;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new ValidationError("online", `expected an http(s) URL, got "${value}"`);
  }
  if ((url.protocol !== "https:" && url.protocol !== "http:") || !url.hostname || url.username || url.password || v.length > 2000) {
    throw new ValidationError("online", `expected an http(s) URL without credentials, got "${value}"`);
  }
  return url.href;
}

export function parseCapacity(value: string | number | null): number | null {
  if (value === null || value === "") return null;
  const n = typeof value === "number" ? value : /^\d{1,7}$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > 1_000_000) {
    throw new ValidationError("capacity", `expected a whole number of seats from 1, got "${value}"`);
  }
  return n;
}

/** What a seat decision is for a new attendee. */
export function seatFor(capacity: number | null, attending: number): "accepted" | "waitlisted" {
  return capacity === null || attending < capacity ? "accepted" : "waitlisted";
}
