// Meeting series: when each occurrence takes place. Pure rules (Temporal, no
// I/O). A series is kept as a wall-clock start in an IANA time zone; every
// occurrence keeps that wall-clock time whatever the zone's offset that day
// (a 19:00 Paris meeting stays at 19:00 across the DST change).
//
// Monthly and quarterly series on a day some months lack (the 29th, 30th,
// 31st) fall on the last day of those months. On the 31st that is the RRULE
// `BYMONTHDAY=-1`; the 29th and 30th have no RRULE every calendar reads
// alike (BYSETPOS is mishandled by some), so toRRule gives null for them
// and the calendar lists their occurrences one by one.
import { Temporal } from "@js-temporal/polyfill";
import { ValidationError } from "./community.ts";

export const REPEAT_RULES = ["weekly", "biweekly", "monthly", "quarterly"] as const;
export type RepeatRule = (typeof REPEAT_RULES)[number];

/** At most this many occurrences in one series (count), and expanded at a time. */
export const MAX_OCCURRENCES = 520;

export interface Series {
  /** Wall-clock start, `YYYY-MM-DDTHH:mm[:ss]`, in `timeZone`. */
  start: string;
  timeZone: string;
  durationMinutes: number;
  repeat: RepeatRule | null;
  /** Number of occurrences (with `repeat`). */
  count: number | null;
  /** Last instant an occurrence may start at (UTC ISO), inclusive. */
  until: string | null;
}

export interface Occurrence {
  /** 0 for the first occurrence of the series. */
  index: number;
  /** UTC instants, ISO 8601 with Z. */
  start: string;
  end: string;
  /** The wall-clock start in the series' zone, with its offset (e.g. 2026-03-30T19:00:00+02:00). */
  localStart: string;
}

export function parseRepeat(value: string): RepeatRule {
  if (!(REPEAT_RULES as readonly string[]).includes(value)) {
    throw new ValidationError("repeat", `expected one of ${REPEAT_RULES.join(", ")}, got "${value}"`);
  }
  return value as RepeatRule;
}

/** An IANA zone name Temporal knows (offsets such as +01:00 are refused: calendars need a named zone). */
export function parseTimeZone(value: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(value) || value.length > 64) {
    throw new ValidationError("timezone", `expected an IANA time zone such as Europe/Paris, got "${value}"`);
  }
  try {
    return Temporal.Now.zonedDateTimeISO(value).timeZoneId;
  } catch {
    throw new ValidationError("timezone", `unknown time zone "${value}"`);
  }
}

/**
 * The wall-clock start of a meeting. A local date-time (`2026-12-03T18:00`)
 * is taken in `timeZone`; one with an offset or Z names an instant, shown in
 * `timeZone`.
 */
export function parseStart(value: string, timeZone: string): string {
  const v = value.trim();
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i.test(v)) {
    throw new ValidationError("start", `expected an ISO 8601 date-time such as 2026-12-03T18:00, got "${value}"`);
  }
  try {
    if (/(Z|[+-]\d{2}:?\d{2})$/i.test(v)) {
      return Temporal.Instant.from(v).toZonedDateTimeISO(timeZone).toPlainDateTime().toString({ smallestUnit: "minute" });
    }
    return Temporal.PlainDateTime.from(v, { overflow: "reject" }).toString({ smallestUnit: "minute" });
  } catch {
    throw new ValidationError("start", `not a valid date-time: "${value}"`);
  }
}

/**
 * The `--until` bound: a date (the whole day counts, in the series' zone) or
 * a date-time. Returns the UTC instant the last occurrence may start at.
 */
export function parseUntil(value: string, timeZone: string): string {
  const v = value.trim();
  try {
    if (/^\d{4}-\d{2}-\d{2}$/.test(v)) {
      const day = Temporal.PlainDate.from(v, { overflow: "reject" });
      const endOfDay = day.toPlainDateTime({ hour: 23, minute: 59, second: 59 });
      return endOfDay.toZonedDateTime(timeZone).toInstant().toString();
    }
    const local = parseStart(v, timeZone);
    return Temporal.PlainDateTime.from(local).toZonedDateTime(timeZone).toInstant().toString();
  } catch {
    throw new ValidationError("until", `expected a date (2027-06-30) or date-time, got "${value}"`);
  }
}

export function parseDuration(value: string | number): number {
  const n = typeof value === "number" ? value : /^\d{1,6}$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > 7 * 24 * 60) {
    throw new ValidationError("duration", `expected a whole number of minutes from 1 to ${7 * 24 * 60}, got "${value}"`);
  }
  return n;
}

export function parseCount(value: string | number): number {
  const n = typeof value === "number" ? value : /^\d{1,6}$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_OCCURRENCES) {
    throw new ValidationError("count", `expected a whole number from 1 to ${MAX_OCCURRENCES}, got "${value}"`);
  }
  return n;
}

/** Checks a whole series (count and until exclusive, until after the start). */
export function validateSeries(series: Series): Series {
  if (series.repeat === null && (series.count !== null || series.until !== null)) {
    throw new ValidationError(series.count !== null ? "count" : "until", "only a repeating meeting (--repeat) has a count or an end date");
  }
  if (series.count !== null && series.until !== null) throw new ValidationError("until", "give either a count or an end date, not both");
  if (series.until !== null && Temporal.Instant.compare(Temporal.Instant.from(series.until), startInstant(series, 0)) < 0) {
    throw new ValidationError("until", "the end date is before the first meeting");
  }
  return series;
}

const STEP: Record<RepeatRule, { weeks?: number; months?: number }> = {
  weekly: { weeks: 1 },
  biweekly: { weeks: 2 },
  monthly: { months: 1 },
  quarterly: { months: 3 },
};

/** The wall-clock start of occurrence `index` (months clamp to the last day; computed from the first, never cumulated). */
function localStartOf(series: Series, index: number): Temporal.PlainDateTime {
  const first = Temporal.PlainDateTime.from(series.start);
  if (index === 0 || series.repeat === null) return first;
  const step = STEP[series.repeat];
  return first.add({ weeks: (step.weeks ?? 0) * index, months: (step.months ?? 0) * index });
}

function startInstant(series: Series, index: number): Temporal.Instant {
  // "compatible": a time skipped by a DST change moves forward by the gap, as RFC 5545 does.
  return localStartOf(series, index).toZonedDateTime(series.timeZone, { disambiguation: "compatible" }).toInstant();
}

/** Occurrence `index`, or null past the series' end. */
export function occurrenceAt(series: Series, index: number): Occurrence | null {
  if (index < 0 || (index > 0 && series.repeat === null)) return null;
  if (series.count !== null && index >= series.count) return null;
  const start = localStartOf(series, index).toZonedDateTime(series.timeZone, { disambiguation: "compatible" });
  if (series.until !== null && Temporal.Instant.compare(start.toInstant(), Temporal.Instant.from(series.until)) > 0) return null;
  return {
    index,
    start: start.toInstant().toString(),
    end: start.add({ minutes: series.durationMinutes }).toInstant().toString(),
    localStart: start.toString({ timeZoneName: "never" }),
  };
}

/**
 * The occurrences from `fromIndex` that start before `before` (UTC ISO), at
 * most `limit`: the publishing horizon keeps an endless series from
 * becoming an endless burst.
 */
export function expand(series: Series, options: { before: string; fromIndex?: number; limit?: number }): Occurrence[] {
  const before = Temporal.Instant.from(options.before);
  const limit = Math.min(options.limit ?? MAX_OCCURRENCES, MAX_OCCURRENCES);
  const out: Occurrence[] = [];
  for (let i = options.fromIndex ?? 0; out.length < limit; i++) {
    const o = occurrenceAt(series, i);
    if (!o || Temporal.Instant.compare(Temporal.Instant.from(o.start), before) >= 0) break;
    out.push(o);
  }
  return out;
}

/** The instant `days` days after `now` (the publishing horizon). */
export function horizon(now: Date, days: number): string {
  return Temporal.Instant.fromEpochMilliseconds(now.getTime()).add({ hours: 24 * days }).toString();
}

/**
 * The series as an RFC 5545 RRULE value (without "RRULE:"), null for a
 * single meeting and for a monthly or quarterly one on the 29th or 30th. UNTIL is in UTC, as RFC 5545 requires with a zoned DTSTART.
 */
export function toRRule(series: Series): string | null {
  if (!series.repeat) return null;
  const parts: string[] = [];
  switch (series.repeat) {
    case "weekly": parts.push("FREQ=WEEKLY"); break;
    case "biweekly": parts.push("FREQ=WEEKLY", "INTERVAL=2"); break;
    case "monthly": parts.push("FREQ=MONTHLY"); break;
    case "quarterly": parts.push("FREQ=MONTHLY", "INTERVAL=3"); break;
  }
  if (series.repeat === "monthly" || series.repeat === "quarterly") {
    const day = Temporal.PlainDateTime.from(series.start).day;
    // The 31st: the last day of each month. The 29th and 30th: not expressible.
    if (day === 31) parts.push("BYMONTHDAY=-1");
    else if (day > 28) return null;
  }
  if (series.count !== null) parts.push(`COUNT=${series.count}`);
  if (series.until !== null) parts.push(`UNTIL=${Temporal.Instant.from(series.until).toString({ smallestUnit: "second" }).replace(/[-:]/g, "")}`);
  return parts.join(";");
}

/** A compact UTC stamp of an instant, for ids: 20261203T170000Z. */
export function compactInstant(iso: string): string {
  return Temporal.Instant.from(iso).toString({ smallestUnit: "second" }).replace(/[-:]/g, "");
}

/** Two ISO instants name the same moment. */
export function sameInstant(a: string, b: string): boolean {
  try {
    return Temporal.Instant.compare(Temporal.Instant.from(a), Temporal.Instant.from(b)) === 0;
  } catch {
    return false;
  }
}
