// The calendar builder on its own: parsed back with ical.js.
import ICAL from "ical.js";
import { describe, expect, it } from "vitest";
import type { MeetingRow, OccurrenceRow } from "../../src/db/meeting-tables.ts";
import { expand } from "../../src/domain/recurrence.ts";
import { seriesOf } from "../../src/operations/meetings.ts";
import { buildCalendar } from "../../src/web/calendar.ts";

const meeting = (m: Partial<MeetingRow>): MeetingRow => ({
  id: "0123456789ab", community_id: "c", title: "Circle", description: "", start_local: "2027-01-30T18:00", timezone: "Europe/Paris",
  duration_minutes: 60, repeat: "monthly", count: 3, until: null, online_url: null, place: null, capacity: null, status: "scheduled",
  next_index: 0, created_at: "2026-12-01T00:00:00Z", updated_at: "2026-12-01T00:00:00Z", ...m,
});
const rowsOf = (m: MeetingRow): OccurrenceRow[] => expand(seriesOf(m), { before: "2100-01-01T00:00:00Z" }).map((o) => ({
  id: `${m.id}-${o.index}`, meeting_id: m.id, community_id: "c", idx: o.index, starts_at: o.start, ends_at: o.end,
  status: "scheduled", published: 1, version: 0, updated_at: m.updated_at,
}));
const parse = (text: string) => new ICAL.Component(ICAL.parse(text)).getAllSubcomponents("vevent");
const build = (m: MeetingRow, occurrences = rowsOf(m)) => buildCalendar({
  name: "Test", host: "cop.example", url: "https://cop.example/c/test", meetings: [{ meeting: m, occurrences, urlOf: (id) => `https://cop.example/c/test/meetings/${id}` }],
});

describe("calendar", () => {
  it("lists a monthly series on the 30th one by one (no RRULE), the last day of February included", () => {
    const events = parse(build(meeting({})));
    expect(events.map((e) => e.getFirstPropertyValue("uid"))).toEqual(["0123456789ab-0@cop.example", "0123456789ab-1@cop.example", "0123456789ab-2@cop.example"]);
    expect(events.some((e) => e.hasProperty("rrule"))).toBe(false);
    expect(events.map((e) => (e.getFirstPropertyValue("dtstart") as ICAL.Time).toString())).toEqual(["2027-01-30T18:00:00", "2027-02-28T18:00:00", "2027-03-30T18:00:00"]);
  });

  it("marks a cancelled series, and takes DTSTART from the series as it is now", () => {
    const m = meeting({ start_local: "2027-01-07T18:00", repeat: "weekly", count: 2, status: "cancelled" });
    // Rows that kept an older time (past occurrences are not rewritten).
    const rows = rowsOf({ ...m, start_local: "2027-01-07T17:00" });
    const [master] = parse(build(m, rows));
    expect(master.getFirstPropertyValue("status")).toBe("CANCELLED");
    expect((master.getFirstPropertyValue("dtstart") as ICAL.Time).toString()).toBe("2027-01-07T18:00:00");
    expect(master.getFirstProperty("dtstart")!.getParameter("tzid")).toBe("Europe/Paris");
  });

  it("lists a parent's Event in its own zone", () => {
    const [event] = parse(buildCalendar({
      name: "Test", host: "cop.example", url: "https://cop.example/c/test", meetings: [],
      networkEvents: [{
        community_id: "c", object_uri: "https://other.example/c/city/meetings/x-0", via_uri: "https://other.example/c/city", name: "Assembly",
        content: "<p>Agenda</p>", url: null, starts_at: "2027-03-01T23:00:00.000Z", ends_at: null, timezone: "America/New_York",
        location: "Town hall", online_url: null, status: "cancelled", received_at: "2026-12-01T00:00:00Z",
      }],
    }));
    expect(event.getFirstPropertyValue("summary")).toBe("Assembly");
    expect((event.getFirstPropertyValue("dtstart") as ICAL.Time).toString()).toBe("2027-03-01T18:00:00");
    expect(event.getFirstPropertyValue("status")).toBe("CANCELLED");
    expect(event.getFirstPropertyValue("description")).toBe("Agenda");
  });
});
