// A community's meetings as iCalendar (RFC 5545), built with ical-generator:
// a series is one VEVENT with its RRULE in the meeting's own zone (TZID and
// a VTIMEZONE, so the wall-clock time holds across DST), a cancelled
// occurrence an override with its RECURRENCE-ID and STATUS:CANCELLED, a
// cancelled series STATUS:CANCELLED. Events cascaded from parent
// communities (?network=1) follow, in UTC or their own zone.
import { getVtimezoneComponent } from "@touch4it/ical-timezones";
import ical, { ICalEventStatus } from "ical-generator";
import { Temporal } from "@js-temporal/polyfill";
import type { MeetingRow, NetworkEventRow, OccurrenceRow } from "../db/meeting-tables.ts";
import { occurrenceAt, toRRule } from "../domain/recurrence.ts";
import { seriesOf } from "../operations/meetings.ts";

export interface CalendarMeeting {
  meeting: MeetingRow;
  /** Its materialised occurrences, by index. */
  occurrences: OccurrenceRow[];
  /** The page of an occurrence. */
  urlOf(occurrenceId: string): string;
  /** The community it belongs to, when it is not the calendar's own. */
  from?: string;
}

/** The wall-clock time of an instant in a zone, as ical-generator takes it with `timezone`. */
function local(iso: string, zone: string): string {
  return Temporal.Instant.from(iso).toZonedDateTimeISO(zone).toPlainDateTime().toString({ smallestUnit: "second" });
}

function describe(m: MeetingRow, from?: string): string {
  return [from ? `${from}` : null, m.online_url ? `Online: ${m.online_url}` : null, m.description || null].filter(Boolean).join("\n\n");
}

export function buildCalendar(options: { name: string; host: string; url: string; meetings: CalendarMeeting[]; networkEvents?: NetworkEventRow[] }): string {
  const cal = ical({
    name: options.name,
    url: options.url,
    prodId: { company: "praxis", product: "meetings", language: "EN" },
    timezone: { name: null, generator: (zone) => getVtimezoneComponent(zone) },
  });
  for (const { meeting: m, occurrences, urlOf, from } of options.meetings) {
    const zone = m.timezone;
    const rule = toRRule(seriesOf(m));
    const seriesCancelled = m.status === "cancelled";
    const base = {
      timezone: zone,
      summary: from ? `${m.title} (${from})` : m.title,
      description: describe(m, from) || undefined,
      location: m.place ?? (m.online_url ? "Online" : undefined),
      created: new Date(m.created_at),
      lastModified: new Date(m.updated_at),
    };
    const series = seriesOf(m);
    const first = occurrenceAt(series, 0);
    if (rule && first && occurrences.length > 0) {
      // DTSTART and each RECURRENCE-ID from the series as it is now (a past
      // occurrence's row keeps the times it had).
      const version = Math.max(0, ...occurrences.map((o) => o.version));
      cal.createEvent({
        ...base,
        id: `${m.id}@${options.host}`,
        sequence: version,
        start: local(first.start, zone),
        end: local(first.end, zone),
        repeating: `RRULE:${rule}`,
        url: urlOf(occurrences[0].id),
        status: seriesCancelled ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
      });
      if (seriesCancelled) continue;
      for (const o of occurrences) {
        const instance = occurrenceAt(series, o.idx);
        if (o.status !== "cancelled" || !instance) continue;
        cal.createEvent({
          ...base,
          id: `${m.id}@${options.host}`,
          sequence: o.version,
          recurrenceId: local(instance.start, zone),
          start: local(instance.start, zone),
          end: local(instance.end, zone),
          url: urlOf(o.id),
          status: ICalEventStatus.CANCELLED,
        });
      }
    } else {
      for (const o of occurrences) {
        cal.createEvent({
          ...base,
          id: `${o.id}@${options.host}`,
          sequence: o.version,
          start: local(o.starts_at, zone),
          end: local(o.ends_at, zone),
          url: urlOf(o.id),
          status: seriesCancelled || o.status === "cancelled" ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
        });
      }
    }
  }
  for (const e of options.networkEvents ?? []) {
    const zone = e.timezone;
    const inZone = zone !== null;
    cal.createEvent({
      id: e.object_uri,
      ...(inZone ? { timezone: zone } : {}),
      start: inZone ? local(e.starts_at, zone) : new Date(e.starts_at),
      end: e.ends_at ? (inZone ? local(e.ends_at, zone) : new Date(e.ends_at)) : undefined,
      summary: e.name,
      description: [e.online_url ? `Online: ${e.online_url}` : null, e.content ? e.content.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim() : null]
        .filter(Boolean).join("\n\n") || undefined,
      location: e.location ?? (e.online_url ? "Online" : undefined),
      url: e.url ?? e.object_uri,
      status: e.status === "cancelled" ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
    });
  }
  return cal.toString();
}
