import ICAL from "ical.js";
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../src/domain/community.ts";
import { parseCapacity, seatFor, validateOnlineUrl } from "../../src/domain/meetings.ts";
import {
  expand, horizon, occurrenceAt, parseDuration, parseRepeat, parseStart, parseTimeZone, parseUntil, type Series, toRRule,
  validateSeries,
} from "../../src/domain/recurrence.ts";

const series = (s: Partial<Series>): Series => ({
  start: "2026-03-19T19:00", timeZone: "Europe/Paris", durationMinutes: 90, repeat: "weekly", count: null, until: null, ...s,
});
const FAR = "2100-01-01T00:00:00Z";
const field = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e instanceof ValidationError ? e.field : `not a ValidationError: ${e}`;
  }
  return null;
};

describe("recurrence", () => {
  it("keeps the wall-clock time across the DST change (Europe/Paris, March and October)", () => {
    const weekly = expand(series({ count: 3 }), { before: FAR });
    expect(weekly.map((o) => o.start)).toEqual([
      "2026-03-19T18:00:00Z", // UTC+1
      "2026-03-26T18:00:00Z",
      "2026-04-02T17:00:00Z", // UTC+2 after 29 March
    ]);
    expect(weekly.map((o) => o.localStart.slice(11, 16))).toEqual(["19:00", "19:00", "19:00"]);
    expect(weekly[2].end).toBe("2026-04-02T18:30:00Z");
    const autumn = expand(series({ start: "2026-10-22T19:00", count: 2 }), { before: FAR });
    expect(autumn.map((o) => o.start)).toEqual(["2026-10-22T17:00:00Z", "2026-10-29T18:00:00Z"]);
  });

  it("moves a time the DST change skips forward, as RFC 5545 does", () => {
    const o = occurrenceAt(series({ start: "2026-03-22T02:30", repeat: "weekly" }), 1)!;
    expect(o.localStart).toBe("2026-03-29T03:30:00+02:00");
  });

  it("falls on the last day of shorter months for a monthly series on the 31st", () => {
    const monthly = expand(series({ start: "2027-01-31T18:00", repeat: "monthly", count: 5 }), { before: FAR });
    expect(monthly.map((o) => o.localStart.slice(0, 10))).toEqual(["2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30", "2027-05-31"]);
  });

  it("repeats quarterly and biweekly", () => {
    const quarterly = expand(series({ start: "2026-11-30T10:00", repeat: "quarterly", count: 4 }), { before: FAR });
    expect(quarterly.map((o) => o.localStart.slice(0, 10))).toEqual(["2026-11-30", "2027-02-28", "2027-05-30", "2027-08-30"]);
    const biweekly = expand(series({ repeat: "biweekly", count: 3 }), { before: FAR });
    expect(biweekly.map((o) => o.localStart.slice(0, 10))).toEqual(["2026-03-19", "2026-04-02", "2026-04-16"]);
  });

  it("stops at the count or at the until date (inclusive, that whole day)", () => {
    expect(expand(series({ count: 4 }), { before: FAR })).toHaveLength(4);
    const until = parseUntil("2026-04-09", "Europe/Paris");
    expect(until).toBe("2026-04-09T21:59:59Z");
    const bounded = expand(series({ until }), { before: FAR });
    expect(bounded.map((o) => o.localStart.slice(0, 10))).toEqual(["2026-03-19", "2026-03-26", "2026-04-02", "2026-04-09"]);
    expect(occurrenceAt(series({ repeat: null }), 1)).toBeNull();
  });

  it("expands only within the publishing horizon, from a given index", () => {
    const endless = series({});
    const h = horizon(new Date("2026-03-18T00:00:00Z"), 30);
    expect(h).toBe("2026-04-17T00:00:00Z");
    const first = expand(endless, { before: h });
    expect(first.map((o) => o.index)).toEqual([0, 1, 2, 3, 4]);
    const later = expand(endless, { before: horizon(new Date("2026-04-01T00:00:00Z"), 30), fromIndex: 5 });
    expect(later.map((o) => o.localStart.slice(0, 10))).toEqual(["2026-04-23", "2026-04-30"]);
  });

  it("writes RRULEs a real iCalendar parser expands to the same instants", () => {
    const cases: Series[] = [
      series({ count: 6 }),
      series({ start: "2027-01-31T18:00", repeat: "monthly", count: 7 }),
      series({ start: "2026-10-31T10:00", repeat: "quarterly", count: 5 }),
      series({ repeat: "biweekly", until: parseUntil("2026-06-01", "Europe/Paris") }),
    ];
    expect(toRRule(cases[1])).toBe("FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=7");
    expect(toRRule(series({ repeat: null }))).toBeNull();
    // The 30th: listed one by one in calendars.
    expect(toRRule(series({ start: "2026-11-30T10:00", repeat: "quarterly", count: 5 }))).toBeNull();
    for (const s of cases) {
      const rule = ICAL.Recur.fromString(toRRule(s)!);
      const dtstart = ICAL.Time.fromDateTimeString(`${s.start}:00`);
      const it = rule.iterator(dtstart);
      const got: string[] = [];
      for (let next = it.next(); next && got.length < 50; next = it.next()) got.push(next.toString().slice(0, 16));
      expect(got).toEqual(expand(s, { before: FAR }).map((o) => o.localStart.slice(0, 16)));
    }
  });
});

describe("meeting input", () => {
  it("names the field of what is wrong", () => {
    expect(field(() => parseTimeZone("Mars/Olympus"))).toBe("timezone");
    expect(field(() => parseTimeZone("+01:00"))).toBe("timezone");
    expect(parseTimeZone("America/New_York")).toBe("America/New_York");
    expect(field(() => parseStart("next tuesday", "UTC"))).toBe("start");
    expect(field(() => parseStart("2026-02-30T10:00", "UTC"))).toBe("start");
    expect(parseStart("2026-12-03T17:00:00Z", "Europe/Paris")).toBe("2026-12-03T18:00");
    expect(field(() => parseRepeat("daily"))).toBe("repeat");
    expect(field(() => parseDuration("0"))).toBe("duration");
    expect(field(() => parseDuration("abc"))).toBe("duration");
    expect(field(() => parseCapacity("-3"))).toBe("capacity");
    expect(field(() => validateOnlineUrl("javascript:alert(1)"))).toBe("online");
    expect(field(() => validateOnlineUrl("not a url"))).toBe("online");
    expect(field(() => parseUntil("soon", "UTC"))).toBe("until");
    expect(field(() => validateSeries(series({ count: 2, until: "2026-05-01T00:00:00Z" })))).toBe("until");
    expect(field(() => validateSeries(series({ until: "2026-01-01T00:00:00Z" })))).toBe("until");
    expect(field(() => validateSeries(series({ repeat: null, count: 3 })))).toBe("count");
  });

  it("seats attendees up to the capacity, then waitlists", () => {
    expect(seatFor(null, 1000)).toBe("accepted");
    expect(seatFor(2, 1)).toBe("accepted");
    expect(seatFor(2, 2)).toBe("waitlisted");
  });
});
