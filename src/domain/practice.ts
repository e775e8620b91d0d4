// Practice statuses: how a community rates a practice (a post it carries or
// one of its resources) as it moves from identified to best practice.
// Pure functions; the federation layer applies them.
//
// The rules (README "Practice statuses" and FEDERATION.md):
// - the ladder is proposed → evaluated → best-practice;
// - a first mark may be proposed or evaluated, never best-practice: a
//   practice becomes best practice only once it has been evaluated;
// - going up is one step at a time (proposed → evaluated → best-practice);
// - going down (to any lower status) is allowed, but only with a note that
//   says why, which travels with the mark;
// - marking the status the object already has is refused.
import { ValidationError } from "./community.ts";

export const PRACTICE_STATUSES = ["proposed", "evaluated", "best-practice"] as const;
export type PracticeStatus = (typeof PRACTICE_STATUSES)[number];

/** The hashtag (without "#") that shows each status on Mastodon. */
export const PRACTICE_HASHTAGS: Readonly<Record<PracticeStatus, string>> = {
  proposed: "ProposedPractice",
  evaluated: "EvaluatedPractice",
  "best-practice": "BestPractice",
};

export const MAX_NOTE_LENGTH = 1000;

export function parsePracticeStatus(value: string): PracticeStatus {
  if (!(PRACTICE_STATUSES as readonly string[]).includes(value)) {
    throw new ValidationError("status", `"${value}" is not one of ${PRACTICE_STATUSES.join(", ")}`);
  }
  return value as PracticeStatus;
}

export function isPracticeStatus(value: unknown): value is PracticeStatus {
  return typeof value === "string" && (PRACTICE_STATUSES as readonly string[]).includes(value);
}

/** The status a hashtag name stands for ("#BestPractice", any case), if any. */
export function statusOfHashtag(tag: string): PracticeStatus | null {
  const name = tag.replace(/^#/, "").toLowerCase();
  for (const s of PRACTICE_STATUSES) if (PRACTICE_HASHTAGS[s].toLowerCase() === name) return s;
  return null;
}

function rank(s: PracticeStatus): number {
  return PRACTICE_STATUSES.indexOf(s);
}

export type TransitionDecision = { ok: true; downgrade: boolean } | { ok: false; message: string };

/** Whether a community may move an object from `from` (null: unmarked) to `to`. */
export function decideTransition(from: PracticeStatus | null, to: PracticeStatus, note: string | null): TransitionDecision {
  const hasNote = note !== null && note.trim().length > 0;
  if (from === null) {
    if (to === "best-practice") return { ok: false, message: "a practice must be evaluated before it becomes a best practice (mark it evaluated first)" };
    return { ok: true, downgrade: false };
  }
  if (from === to) return { ok: false, message: `it is already marked ${to}` };
  const step = rank(to) - rank(from);
  if (step > 1) return { ok: false, message: `${from} moves up one step at a time: mark it ${PRACTICE_STATUSES[rank(from) + 1]} first` };
  if (step < 0 && !hasNote) return { ok: false, message: `going down from ${from} to ${to} needs a note saying why (--note)` };
  return { ok: true, downgrade: step < 0 };
}

export function validateNote(note: string | undefined | null): string | null {
  if (note === undefined || note === null) return null;
  const n = note.trim();
  if (n.length === 0) return null;
  if (n.length > MAX_NOTE_LENGTH) throw new ValidationError("note", `must be at most ${MAX_NOTE_LENGTH} characters`);
  return n;
}
