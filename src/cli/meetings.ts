// `praxis meeting …`: schedule, list, change and cancel a community's
// meetings (single or repeating), and see who attends.
import { type Command, Option } from "commander";
import { REPEAT_RULES } from "../domain/recurrence.ts";
import {
  cancelMeeting, createMeeting, listMeetings, type MeetingDetails, type MeetingInput, meetingAttendees, updateMeeting,
} from "../operations/meetings.ts";
import { cliActor } from "../operations/audit.ts";
import { printTable } from "./format.ts";
import type { CliHelpers } from "./safety.ts";

interface MeetingOptions {
  title?: string;
  start?: string;
  duration?: string;
  timezone?: string;
  repeat?: string;
  count?: string;
  until?: string;
  online?: string;
  place?: string;
  description?: string;
  capacity?: string;
}

function inputOf(o: MeetingOptions): MeetingInput {
  const input: MeetingInput = {};
  for (const key of ["title", "start", "duration", "timezone", "repeat", "count", "until", "online", "place", "description", "capacity"] as const) {
    if (o[key] !== undefined) input[key] = o[key];
  }
  return input;
}

function withMeetingOptions(command: Command): Command {
  return command
    .option("--title <text>", "what the meeting is")
    .option("--start <ISO 8601>", "first start, e.g. 2026-12-03T18:00 (in --timezone) or with an offset")
    .option("--duration <minutes>", "length in minutes")
    .option("--timezone <IANA zone>", "e.g. Europe/Paris (default UTC); the wall-clock time is kept across DST")
    .addOption(new Option("--repeat <rule>", `repeat: ${REPEAT_RULES.join(", ")}`))
    .option("--count <N>", "number of occurrences of a repeating meeting")
    .option("--until <date>", "last day (or date-time) of a repeating meeting")
    .option("--online <url>", "the online meeting's address (http or https)")
    .option("--place <text>", "where it takes place")
    .option("--description <text>", "what to expect (plain text)")
    .option("--capacity <N>", "seats; further RSVPs go on a waitlist");
}

function printMeeting(out: (s: string) => void, m: MeetingDetails): void {
  out(`${m.title} (${m.id})${m.status === "cancelled" ? " — cancelled" : ""}`);
  out(`  ${m.start} ${m.timezone}, ${m.durationMinutes} min${m.repeat ? `, ${m.repeat}${m.count ? ` ×${m.count}` : ""}${m.until ? ` until ${m.until}` : ""}` : ""}`);
  out(`  ${m.url}`);
  out(`  Calendar: ${m.calendar}`);
  if (m.upcoming.length > 0) out(`  Published occurrences: ${m.upcoming.length} (next ${m.upcoming[0].start})`);
}

export function registerMeetingCommands(program: Command, { withPraxis, out, json, queuedNote }: CliHelpers): void {
  const meeting = program.command("meeting").description("A community's meetings: federated as Events, listed in its calendar.ics.");

  withMeetingOptions(meeting.command("create <slug>")
    .description("Schedule a meeting (or a series with --repeat); its followers receive Create(Event) for each occurrence within the publishing horizon."))
    .option("--json", "print the meeting as JSON")
    .action(async (slug: string, o: MeetingOptions & { json?: boolean }) => {
      await withPraxis(async (praxis) => {
        const m = await createMeeting(praxis, slug, inputOf(o), cliActor());
        if (o.json) return json(m);
        out(`Scheduled:`);
        printMeeting(out, m);
        out(queuedNote);
      });
    });

  meeting.command("list <slug>")
    .description("List the upcoming occurrences of a community's meetings.")
    .option("--json", "print JSON")
    .action(async (slug: string, o: { json?: boolean }) => {
      await withPraxis(async (praxis) => {
        const rows = await listMeetings(praxis, slug);
        if (o.json) return json(rows);
        if (rows.length === 0) return out(`No upcoming meetings in ${slug}. Schedule one with: praxis meeting create ${slug} --title … --start … --duration …`);
        printTable(out, ["ID", "START (UTC)", "TITLE", "STATUS", "ATTENDING", "WHERE"], rows.map((r) => [
          r.id, r.start, r.title, r.status, r.capacity !== null ? `${r.attending}/${r.capacity}` : String(r.attending),
          [r.place, r.online].filter(Boolean).join(" · ") || "-",
        ]));
      });
    });

  withMeetingOptions(meeting.command("update <slug> <id>")
    .description("Change a meeting (the whole series); followers receive Update(Event) for its published occurrences."))
    .option("--no-repeat", "make it a single meeting")
    .option("--json", "print the meeting as JSON")
    .action(async (slug: string, id: string, o: Omit<MeetingOptions, "repeat"> & { repeat?: string | false; json?: boolean }) => {
      await withPraxis(async (praxis) => {
        const input = inputOf({ ...o, repeat: o.repeat === false ? undefined : o.repeat });
        if (o.repeat === false) input.repeat = null;
        const m = await updateMeeting(praxis, slug, id, input, cliActor());
        if (o.json) return json(m);
        out("Updated:");
        printMeeting(out, m);
        out(queuedNote);
      });
    });

  meeting.command("cancel <slug> <id>")
    .description("Cancel a meeting: the whole series, or one occurrence (an occurrence id, or --occurrence). Followers see it cancelled (ical:status CANCELLED).")
    .option("--occurrence <start>", "cancel only the occurrence starting at this ISO 8601 date-time (or with this id)")
    .option("--json", "print the meeting as JSON")
    .action(async (slug: string, id: string, o: { occurrence?: string; json?: boolean }) => {
      await withPraxis(async (praxis) => {
        const m = await cancelMeeting(praxis, slug, id, { occurrence: o.occurrence }, cliActor());
        if (o.json) return json(m);
        out(o.occurrence || id.includes("-") ? `Cancelled one occurrence of ${m.title}. ${queuedNote}` : `Cancelled ${m.title}. ${queuedNote}`);
      });
    });

  meeting.command("attendees <slug> <id>")
    .description("Who attends an occurrence (or each upcoming occurrence of a series), waitlist included.")
    .option("--json", "print JSON")
    .action(async (slug: string, id: string, o: { json?: boolean }) => {
      await withPraxis(async (praxis) => {
        const rows = await meetingAttendees(praxis, slug, id);
        if (o.json) return json(rows);
        if (rows.length === 0) return out("No one has answered yet.");
        printTable(out, ["OCCURRENCE", "START (UTC)", "ACTOR", "STATUS", "SINCE"], rows.map((r) => [r.occurrence, r.start, r.actor, r.status, r.since]));
      });
    });
}
