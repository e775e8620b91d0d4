// Meetings of a community, shared by the CLI, the admin API and the
// console: schedule, list, change and cancel meetings (single or series),
// see who attends, and publish occurrences as the horizon reaches them.
import { randomBytes } from "node:crypto";
import { getLogger } from "@logtape/logtape";
import type { MeetingChanges } from "../db/repositories/meetings.ts";
import type { MeetingRow, OccurrenceRow } from "../db/meeting-tables.ts";
import { type Community, ValidationError } from "../domain/community.ts";
import { parseCapacity, validateDescription, validateOnlineUrl, validatePlace, validateTitle } from "../domain/meetings.ts";
import {
  expand, horizon, occurrenceAt, parseCount, parseDuration, parseRepeat, parseStart, parseTimeZone, parseUntil, sameInstant,
  type Series, validateSeries,
} from "../domain/recurrence.ts";
import {
  acceptPromoted, meetingUri, occurrenceView, sendEventCreate, sendEventUpdate,
} from "../federation/meetings.ts";
import { cliActor } from "./audit.ts";
import { getCommunity, NotFoundError, type Operations } from "./communities.ts";

const logger = getLogger(["praxis", "meetings"]);

export interface MeetingInput {
  title?: string;
  /** ISO 8601; local to `timezone` unless it has an offset. */
  start?: string;
  duration?: string | number;
  timezone?: string;
  repeat?: string | null;
  count?: string | number | null;
  until?: string | null;
  online?: string | null;
  place?: string | null;
  description?: string | null;
  capacity?: string | number | null;
}

export interface OccurrenceDetails {
  id: string;
  url: string;
  start: string;
  end: string;
  status: "scheduled" | "cancelled";
  attending: number;
}

export interface MeetingDetails {
  id: string;
  community: string;
  title: string;
  description: string;
  /** Wall-clock start of the first occurrence in `timezone`. */
  start: string;
  timezone: string;
  durationMinutes: number;
  repeat: string | null;
  count: number | null;
  until: string | null;
  online: string | null;
  place: string | null;
  capacity: number | null;
  status: "scheduled" | "cancelled";
  /** The page (and Event) of the next occurrence, else the first. */
  url: string;
  calendar: string;
  /** Published occurrences not yet over. */
  upcoming: OccurrenceDetails[];
}

export interface AttendeeDetails {
  occurrence: string;
  start: string;
  actor: string;
  status: "accepted" | "waitlisted" | "tentative";
  since: string;
}

function contextOf(ops: Operations) {
  return ops.federation.createContext(new URL(ops.services.config.origin), ops.services);
}

export function seriesOf(m: Pick<MeetingRow, "start_local" | "timezone" | "duration_minutes" | "repeat" | "count" | "until">): Series {
  return { start: m.start_local, timeZone: m.timezone, durationMinutes: m.duration_minutes, repeat: m.repeat, count: m.count, until: m.until };
}

const occurrenceIdOf = (meetingId: string, index: number) => `${meetingId}-${index}`;
const OCCURRENCE_ID = /^([0-9a-f]{12})-(\d{1,6})$/;

function required<T>(value: T | undefined, field: string): T {
  if (value === undefined || value === null || value === "") throw new ValidationError(field, "required");
  return value;
}

/** The fields the input sets, validated; `base` is the series being changed. */
function parseInput(input: MeetingInput, base: MeetingRow | null): MeetingChanges {
  const c: MeetingChanges = {};
  if (input.title !== undefined) c.title = validateTitle(input.title);
  const timezone = input.timezone !== undefined ? parseTimeZone(input.timezone) : base?.timezone ?? "UTC";
  if (input.timezone !== undefined) c.timezone = timezone;
  if (input.start !== undefined) c.start_local = parseStart(input.start, timezone);
  if (input.duration !== undefined) c.duration_minutes = parseDuration(input.duration);
  if (input.repeat !== undefined) c.repeat = input.repeat === null || input.repeat === "" || input.repeat === "none" ? null : parseRepeat(input.repeat);
  if (input.count !== undefined) c.count = input.count === null || input.count === "" ? null : parseCount(input.count);
  if (input.until !== undefined) c.until = input.until === null || input.until === "" ? null : parseUntil(input.until, timezone);
  if (input.count !== undefined && c.count !== null && input.until === undefined) c.until = null;
  if (input.until !== undefined && c.until !== null && input.count === undefined) c.count = null;
  if (input.online !== undefined) c.online_url = input.online === null ? null : validateOnlineUrl(input.online);
  if (input.place !== undefined) c.place = input.place === null ? null : validatePlace(input.place);
  if (input.description !== undefined) c.description = input.description === null ? "" : validateDescription(input.description);
  if (input.capacity !== undefined) c.capacity = parseCapacity(input.capacity);
  return c;
}

async function details(ops: Operations, community: Community, meeting: MeetingRow): Promise<MeetingDetails> {
  const ctx = contextOf(ops);
  const nowIso = new Date().toISOString();
  const all = await ops.services.repos.meetings.occurrences(meeting.id);
  const upcoming = all.filter((o) => o.published === 1 && o.ends_at > nowIso);
  const counts = await ops.services.repos.meetings.attendingCounts(upcoming.map((o) => o.id));
  const next = upcoming[0] ?? all[0];
  return {
    id: meeting.id,
    community: community.slug,
    title: meeting.title,
    description: meeting.description,
    start: meeting.start_local,
    timezone: meeting.timezone,
    durationMinutes: meeting.duration_minutes,
    repeat: meeting.repeat,
    count: meeting.count,
    until: meeting.until,
    online: meeting.online_url,
    place: meeting.place,
    capacity: meeting.capacity,
    status: meeting.status,
    url: meetingUri(ctx, community.slug, next?.id ?? occurrenceIdOf(meeting.id, 0)).href,
    calendar: new URL(`/c/${community.slug}/calendar.ics`, ops.services.config.origin).href,
    upcoming: upcoming.map((o) => occurrenceDetails(ops, community, o, counts.get(o.id) ?? 0)),
  };
}

function occurrenceDetails(ops: Operations, community: Community, o: OccurrenceRow, attending: number): OccurrenceDetails {
  return {
    id: o.id, url: meetingUri(contextOf(ops), community.slug, o.id).href, start: o.starts_at, end: o.ends_at, status: o.status, attending,
  };
}

/** The series `id` names (a meeting id, or one of its occurrences' ids) in the community. */
async function findMeeting(ops: Operations, community: Community, id: string): Promise<{ meeting: MeetingRow; occurrence: OccurrenceRow | null }> {
  const { repos } = ops.services;
  const m = OCCURRENCE_ID.exec(id);
  if (m) {
    const occurrence = await repos.meetings.occurrence(id);
    const meeting = occurrence ? await repos.meetings.get(occurrence.meeting_id) : null;
    if (meeting && meeting.community_id === community.id) return { meeting, occurrence };
  } else {
    const meeting = await repos.meetings.get(id);
    if (meeting && meeting.community_id === community.id) return { meeting, occurrence: null };
  }
  throw new NotFoundError(`No meeting "${id}" in ${community.slug}`);
}

/** Schedules a meeting (or a series) and publishes what falls within the horizon. */
export async function createMeeting(ops: Operations, slug: string, input: MeetingInput, by: string = cliActor()): Promise<MeetingDetails> {
  const community = await getCommunity(ops, slug);
  const c = parseInput(input, null);
  const now = new Date().toISOString();
  const meeting: MeetingRow = {
    id: randomBytes(6).toString("hex"),
    community_id: community.id,
    title: required(c.title, "title"),
    description: c.description ?? "",
    start_local: required(c.start_local, "start"),
    timezone: c.timezone ?? "UTC",
    duration_minutes: required(c.duration_minutes, "duration"),
    repeat: c.repeat ?? null,
    count: c.count ?? null,
    until: c.until ?? null,
    online_url: c.online_url ?? null,
    place: c.place ?? null,
    capacity: c.capacity ?? null,
    status: "scheduled",
    next_index: 0,
    created_at: now,
    updated_at: now,
  };
  validateSeries(seriesOf(meeting));
  await ops.services.repos.meetings.create(meeting);
  await ops.services.repos.audit.record({ actor: by, action: "meeting.create", communityId: community.id, target: meeting.id, details: { title: meeting.title } });
  await publishMeetings(ops, new Date(), meeting.id);
  return details(ops, community, (await ops.services.repos.meetings.get(meeting.id))!);
}

/** The community's upcoming (published, not yet over) occurrences, by start. */
export async function listMeetings(ops: Operations, slug: string, options: { limit?: number } = {}): Promise<(OccurrenceDetails & { meeting: string; title: string; timezone: string; place: string | null; online: string | null; capacity: number | null })[]> {
  const community = await getCommunity(ops, slug);
  const rows = (await ops.services.repos.meetings.upcoming(community.id, new Date().toISOString(), options.limit ?? 100)).filter((r) => r.published === 1);
  const counts = await ops.services.repos.meetings.attendingCounts(rows.map((r) => r.id));
  return rows.map((r) => ({
    ...occurrenceDetails(ops, community, r, counts.get(r.id) ?? 0),
    status: r.meeting.status === "cancelled" ? "cancelled" as const : r.status,
    meeting: r.meeting.id, title: r.meeting.title, timezone: r.meeting.timezone, place: r.meeting.place, online: r.meeting.online_url,
    capacity: r.meeting.capacity,
  }));
}

export async function getMeeting(ops: Operations, slug: string, id: string): Promise<MeetingDetails> {
  const community = await getCommunity(ops, slug);
  const { meeting } = await findMeeting(ops, community, id);
  return details(ops, community, meeting);
}

/**
 * Changes a meeting (the whole series). Published occurrences get their new
 * times and details by Update(Event); those the series no longer has are
 * cancelled; new ones are published as the horizon reaches them.
 */
export async function updateMeeting(ops: Operations, slug: string, id: string, input: MeetingInput, by: string = cliActor()): Promise<MeetingDetails> {
  const community = await getCommunity(ops, slug);
  const { meeting } = await findMeeting(ops, community, id);
  if (meeting.status === "cancelled") throw new ValidationError("id", "this meeting is cancelled");
  const c = parseInput(input, meeting);
  if (Object.keys(c).length === 0) throw new ValidationError("body", "nothing to change");
  // A new zone alone keeps the wall-clock start.
  const updated: MeetingRow = { ...meeting, ...c };
  validateSeries(seriesOf(updated));
  const { repos } = ops.services;
  await repos.meetings.update(meeting.id, c);
  const ctx = contextOf(ops);
  const series = seriesOf(updated);
  const nowIso = new Date().toISOString();
  let lastKept = -1;
  for (const o of await repos.meetings.occurrences(meeting.id)) {
    const next = occurrenceAt(series, o.idx);
    if (next) lastKept = Math.max(lastKept, o.idx);
    if (o.status === "cancelled" || o.ends_at <= nowIso) continue;
    if (!next) {
      // No longer part of the series.
      await repos.meetings.updateOccurrence(o.id, { status: "cancelled" });
    } else if (!sameInstant(next.start, o.starts_at) || !sameInstant(next.end, o.ends_at)) {
      await repos.meetings.updateOccurrence(o.id, { starts_at: next.start, ends_at: next.end });
    } else {
      await repos.meetings.updateOccurrence(o.id, {});
    }
    // More seats: the first waiting take them, and are told.
    if (c.capacity !== undefined && next && o.status === "scheduled") {
      for (const p of await repos.meetings.promote(o.id, updated.capacity)) {
        await acceptPromoted(ctx, community, p.actor_uri, p.activity_uri, meetingUri(ctx, community.slug, o.id));
      }
    }
    if (o.published === 1) {
      const view = await occurrenceView(ops.services, o.id);
      if (view) await sendEventUpdate(ctx, community, view);
    }
  }
  await repos.meetings.dropUnpublishedFrom(meeting.id, lastKept + 1);
  await repos.meetings.update(meeting.id, { next_index: lastKept + 1 });
  await repos.audit.record({ actor: by, action: "meeting.update", communityId: community.id, target: meeting.id, details: { fields: Object.keys(c) } });
  await publishMeetings(ops, new Date(), meeting.id);
  return details(ops, community, (await repos.meetings.get(meeting.id))!);
}

/**
 * Cancels a meeting: the whole series, or one occurrence (`occurrence`: its
 * id or its start, ISO 8601). Followers get Update(Event) with ical:status
 * CANCELLED for each published occurrence concerned.
 */
export async function cancelMeeting(ops: Operations, slug: string, id: string, options: { occurrence?: string } = {}, by: string = cliActor()): Promise<MeetingDetails> {
  const community = await getCommunity(ops, slug);
  const found = await findMeeting(ops, community, id);
  const { meeting } = found;
  const { repos } = ops.services;
  let targets: OccurrenceRow[];
  if (options.occurrence !== undefined || found.occurrence) {
    const all = await repos.meetings.occurrences(meeting.id);
    const wanted = options.occurrence;
    const one = wanted === undefined ? found.occurrence
      : all.find((o) => o.id === wanted || sameInstant(o.starts_at, wanted)) ?? await materialiseAt(ops, community, meeting, wanted);
    if (!one) throw new NotFoundError(`No occurrence of meeting ${meeting.id} starts at "${wanted}"`);
    targets = [one];
  } else {
    await repos.meetings.update(meeting.id, { status: "cancelled" });
    targets = await repos.meetings.occurrences(meeting.id);
  }
  const ctx = contextOf(ops);
  const nowIso = new Date().toISOString();
  for (const o of targets) {
    if (o.status === "cancelled" && targets.length > 1) continue;
    await repos.meetings.updateOccurrence(o.id, { status: "cancelled" });
    if (o.published === 1 && o.ends_at > nowIso) {
      const view = await occurrenceView(ops.services, o.id);
      if (view) await sendEventUpdate(ctx, community, view);
    }
  }
  await repos.audit.record({
    actor: by, action: "meeting.cancel", communityId: community.id, target: meeting.id,
    details: targets.length === 1 && (options.occurrence !== undefined || found.occurrence) ? { occurrence: targets[0].id } : { series: true },
  });
  return details(ops, community, (await repos.meetings.get(meeting.id))!);
}

/** An occurrence beyond the horizon, named by its start: materialised now so that it can be cancelled ahead. */
async function materialiseAt(ops: Operations, community: Community, meeting: MeetingRow, start: string): Promise<OccurrenceRow | null> {
  let target: string;
  try {
    target = new Date(parseUntil(start, meeting.timezone)).toISOString();
  } catch {
    throw new ValidationError("occurrence", `expected an occurrence id or its start (ISO 8601), got "${start}"`);
  }
  const series = seriesOf(meeting);
  const found = expand(series, { before: new Date(Date.parse(target) + 1000).toISOString(), fromIndex: meeting.next_index })
    .find((o) => sameInstant(o.start, target));
  if (!found) return null;
  await ops.services.repos.meetings.materialise(meeting.id, [{
    id: occurrenceIdOf(meeting.id, found.index), meetingId: meeting.id, communityId: community.id, index: found.index, start: found.start, end: found.end,
  }], meeting.next_index);
  return ops.services.repos.meetings.occurrence(occurrenceIdOf(meeting.id, found.index));
}

/** Who attends an occurrence (`id` an occurrence id), or each upcoming occurrence of a series. */
export async function meetingAttendees(ops: Operations, slug: string, id: string): Promise<AttendeeDetails[]> {
  const community = await getCommunity(ops, slug);
  const { meeting, occurrence } = await findMeeting(ops, community, id);
  const { repos } = ops.services;
  const nowIso = new Date().toISOString();
  const occurrences = occurrence ? [occurrence] : (await repos.meetings.occurrences(meeting.id)).filter((o) => o.ends_at > nowIso);
  const out: AttendeeDetails[] = [];
  for (const o of occurrences) {
    for (const a of await repos.meetings.attendees(o.id)) {
      out.push({ occurrence: o.id, start: o.starts_at, actor: a.actor_uri, status: a.status, since: a.created_at });
    }
  }
  return out;
}

/**
 * The publishing step: materialises each series' occurrences that start
 * within the horizon and sends Create(Event) for each one not yet published
 * (already over: recorded, not sent). Idempotent and resumable: progress is
 * in the database, and a Create sent twice has the same id.
 */
export async function publishMeetings(ops: Operations, now: Date = new Date(), onlyMeeting?: string): Promise<number> {
  const { repos, config } = ops.services;
  const before = horizon(now, config.meetings.publishHorizonDays);
  const nowIso = now.toISOString();
  const meetings = onlyMeeting ? [await repos.meetings.get(onlyMeeting)].filter((m): m is MeetingRow => m?.status === "scheduled") : await repos.meetings.scheduled();
  for (const m of meetings) {
    const due = expand(seriesOf(m), { before, fromIndex: m.next_index, limit: 200 });
    if (due.length === 0) continue;
    await repos.meetings.materialise(m.id, due.map((o) => ({
      id: occurrenceIdOf(m.id, o.index), meetingId: m.id, communityId: m.community_id, index: o.index, start: o.start, end: o.end,
    })), due[due.length - 1].index + 1);
  }
  const ctx = contextOf(ops);
  const communities = new Map<string, Community | null>();
  let sent = 0;
  for (const o of await repos.meetings.unpublished(before)) {
    if (onlyMeeting && o.meeting_id !== onlyMeeting) continue;
    if (!communities.has(o.community_id)) communities.set(o.community_id, await repos.communities.findById(o.community_id));
    const community = communities.get(o.community_id);
    if (!community || community.deletedAt) continue;
    const view = await occurrenceView(ops.services, o.id);
    if (view && o.ends_at > nowIso && o.status === "scheduled" && view.meeting.status === "scheduled") {
      await sendEventCreate(ctx, community, view);
      sent++;
    }
    await repos.meetings.markPublished(o.id);
  }
  if (sent > 0) logger.info("Published {n} meeting occurrences", { n: sent });
  return sent;
}

/**
 * The worker's side of the horizon: publishes what became due at start and
 * then every `meetings.publishIntervalMinutes`, until `signal` aborts. The
 * state (which occurrences exist and were sent) is in the database, so a
 * restart resumes where it stopped.
 */
export function startMeetingPublisher(ops: Operations, signal: AbortSignal, run: <T>(fn: () => T) => T = (fn) => fn()): void {
  let running = false;
  const tick = async () => {
    if (running || signal.aborted) return;
    running = true;
    try {
      await run(() => publishMeetings(ops));
    } catch (error) {
      if (!signal.aborted) logger.error("Publishing meetings failed: {error}", { error });
    } finally {
      running = false;
    }
  };
  const timer = setInterval(tick, ops.services.config.meetings.publishIntervalMinutes * 60_000);
  timer.unref();
  signal.addEventListener("abort", () => clearInterval(timer), { once: true });
  void tick();
}
