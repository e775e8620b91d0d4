// Meeting occurrences as ActivityPub Events: each served at its own id under
// the community (/c/<slug>/meetings/<occurrence id>), sent to the followers
// as Create(Event) when the publishing horizon reaches it, Update(Event)
// when it changes or is cancelled (ical:status CANCELLED, as Mobilizon
// does), and the answers to RSVPs (Accept/Reject of a Join).
import type { Context, Federation, RequestContext } from "@fedify/fedify";
import { Accept, type Activity, Event, Join, Link, Place, type Recipient, Reject } from "@fedify/vocab";
import type { MeetingRow, OccurrenceRow } from "../db/meeting-tables.ts";
import type { Community } from "../domain/community.ts";
import type { AppServices } from "../services.ts";
import { mayReadCommunityContent } from "./access.ts";
import { EventCreate, type EventTerms, EventUpdate, MeetingEvent, withEventTerms } from "./meeting-vocab.ts";
import { publicOrigin } from "./origin.ts";
import { claimId, communityAddressing, record, toFollowers } from "./outbound.ts";
import { escapeHtml, textToHtml } from "./text.ts";
import { instant, now } from "./time.ts";

type Ctx = Context<AppServices>;

export const MEETING_PATH = "/c/{identifier}/meetings/{id}";

export interface OccurrenceView {
  meeting: MeetingRow;
  occurrence: OccurrenceRow;
  /** Attendees with a seat. */
  attending: number;
}

export function meetingUri(ctx: { data: AppServices }, slug: string, occurrenceId: string): URL {
  return new URL(`/c/${encodeURIComponent(slug)}/meetings/${encodeURIComponent(occurrenceId)}`, publicOrigin(ctx));
}

/** The occurrence an Event URI of ours names, if it is one. */
export function parseMeetingUri(ctx: { data: AppServices }, uri: URL | string | null | undefined): { slug: string; occurrenceId: string } | null {
  if (!uri) return null;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return null;
  }
  if (url.origin !== publicOrigin(ctx) || url.search || url.hash) return null;
  const m = /^\/c\/([^/]+)\/meetings\/([^/]+)$/.exec(url.pathname);
  if (!m) return null;
  try {
    return { slug: decodeURIComponent(m[1]), occurrenceId: decodeURIComponent(m[2]) };
  } catch {
    return null;
  }
}

/** "Thu 3 Dec 2026, 18:00–19:30 (Europe/Paris)": when, in the meeting's own zone. */
export function whenText(view: Pick<OccurrenceView, "meeting" | "occurrence">, locale = "en-GB"): string {
  const zone = view.meeting.timezone;
  const day = new Intl.DateTimeFormat(locale, { timeZone: zone, weekday: "short", day: "numeric", month: "short", year: "numeric" });
  const time = new Intl.DateTimeFormat(locale, { timeZone: zone, hour: "2-digit", minute: "2-digit" });
  const start = new Date(view.occurrence.starts_at);
  const end = new Date(view.occurrence.ends_at);
  const sameDay = day.format(start) === day.format(end);
  return `${day.format(start)}, ${time.format(start)}–${sameDay ? "" : `${day.format(end)}, `}${time.format(end)} (${zone})`;
}

export function isCancelled(view: Pick<OccurrenceView, "meeting" | "occurrence">): boolean {
  return view.meeting.status === "cancelled" || view.occurrence.status === "cancelled";
}

export function eventTerms(view: OccurrenceView): EventTerms {
  const cancelled = isCancelled(view);
  const { capacity } = view.meeting;
  return {
    timezone: view.meeting.timezone,
    participantCount: view.attending,
    ...(capacity !== null ? { maximumAttendeeCapacity: capacity, remainingAttendeeCapacity: Math.max(0, capacity - view.attending) } : {}),
    joinMode: "free",
    isOnline: view.meeting.online_url !== null,
    "ical:status": cancelled ? "CANCELLED" : "CONFIRMED",
    eventStatus: cancelled ? "https://schema.org/EventCancelled" : "https://schema.org/EventScheduled",
  };
}

/** The occurrence as the Event it is federated as. */
export function eventOf(ctx: Ctx, community: Community, view: OccurrenceView): MeetingEvent {
  const { meeting, occurrence } = view;
  const group = ctx.getActorUri(community.slug);
  const id = meetingUri(ctx, community.slug, occurrence.id);
  const cancelled = isCancelled(view);
  const when = whenText(view);
  const lines = [
    cancelled ? `<p><strong>Cancelled.</strong></p>` : "",
    `<p>${escapeHtml(when)}</p>`,
    meeting.place ? `<p>${escapeHtml(meeting.place)}</p>` : "",
    meeting.online_url ? `<p><a href="${escapeHtml(meeting.online_url)}" rel="nofollow noopener">${escapeHtml(meeting.online_url)}</a></p>` : "",
    meeting.description ? textToHtml(meeting.description) : "",
  ];
  return MeetingEvent.build({
    id,
    name: cancelled ? `Cancelled: ${meeting.title}` : meeting.title,
    // Mastodon shows an Event as its name, summary and link.
    summary: `${cancelled ? "Cancelled: " : ""}${when}${meeting.place ? ` · ${meeting.place}` : ""}${meeting.online_url ? " · online" : ""}`,
    content: lines.join(""),
    mediaType: "text/html",
    startTime: instant(occurrence.starts_at),
    endTime: instant(occurrence.ends_at),
    location: meeting.place ? new Place({ name: meeting.place }) : null,
    // Mobilizon's online address: a Link attachment (with isOnline).
    attachments: meeting.online_url ? [new Link({ href: new URL(meeting.online_url), mediaType: "text/html", name: "Online meeting" })] : [],
    attribution: group,
    audiences: [group],
    url: id,
    published: instant(meeting.created_at),
    updated: instant(occurrence.updated_at > meeting.updated_at ? occurrence.updated_at : meeting.updated_at),
    ...addressing(ctx, community),
  }, eventTerms(view));
}

function addressing(ctx: Ctx, community: Community): { to: URL; cc?: URL } {
  const { to, cc } = communityAddressing(ctx, community);
  return cc ? { to, cc } : { to };
}

/** Reads an occurrence with its series and seat count. */
export async function occurrenceView(services: AppServices, occurrenceId: string): Promise<OccurrenceView | null> {
  const occurrence = await services.repos.meetings.occurrence(occurrenceId);
  if (!occurrence) return null;
  const meeting = await services.repos.meetings.get(occurrence.meeting_id);
  if (!meeting) return null;
  const attending = (await services.repos.meetings.attendingCounts([occurrence.id])).get(occurrence.id) ?? 0;
  return { meeting, occurrence, attending };
}

export function registerMeetingObjects(federation: Federation<AppServices>): void {
  federation
    .setObjectDispatcher(Event, MEETING_PATH, async (ctx: RequestContext<AppServices>, values) => {
      const community = await ctx.data.repos.communities.findBySlug(values.identifier);
      if (!community || community.deletedAt) return null;
      const view = await occurrenceView(ctx.data, values.id);
      if (!view || view.occurrence.community_id !== community.id) return null;
      return eventOf(ctx, community, view);
    })
    // A closed community's meetings are for its members, as its posts are.
    .authorize((ctx, values) => mayReadCommunityContent(ctx, values.identifier));
}

/** Tells the followers of a newly published occurrence: Create(Event). */
export async function sendEventCreate(ctx: Ctx, community: Community, view: OccurrenceView): Promise<void> {
  const event = eventOf(ctx, community, view);
  const id = await claimId(ctx, community, event.id!.href, "create");
  const create = new EventCreate({ id, actor: ctx.getActorUri(community.slug), object: event, published: now(), ...addressing(ctx, community) });
  await withEventTerms(id, eventTerms(view), () => toFollowers(ctx, community, create, event.id!.href));
}

/** Tells the followers an occurrence changed or was cancelled: Update(Event), with ical:status. */
export async function sendEventUpdate(ctx: Ctx, community: Community, view: OccurrenceView): Promise<void> {
  const event = eventOf(ctx, community, view);
  const id = await claimId(ctx, community, `${event.id!.href}#v${view.occurrence.version}`, "update");
  const update = new EventUpdate({ id, actor: ctx.getActorUri(community.slug), object: event, published: now(), ...addressing(ctx, community) });
  await withEventTerms(id, eventTerms(view), () => toFollowers(ctx, community, update, event.id!.href));
}

export interface RsvpRequest {
  /** The activity that asked (a Join, or an Accept/TentativeAccept of the Event). */
  activity: Activity;
  actor: Recipient;
  eventUri: URL;
}

/**
 * Answers an RSVP: Accept(Join) or Reject(Join), with `content` saying why
 * (full: the waitlist place). Keyed by the request, so a retried inbox task
 * sends the same answer id.
 */
export async function answerRsvp(ctx: Ctx, community: Community, request: RsvpRequest, accepted: boolean, content: string | null, kind = accepted ? "rsvp-accept" : "rsvp-reject"): Promise<void> {
  const group = ctx.getActorUri(community.slug);
  const source = request.activity.id?.href ?? `${request.actor.id!.href}#join:${request.eventUri.href}`;
  const id = await claimId(ctx, community, source, kind);
  const object = request.activity instanceof Join
    ? new Join({ id: request.activity.id, actor: request.actor.id, object: request.eventUri })
    : request.activity;
  const values = { id, actor: group, object, to: request.actor.id!, ...(content ? { content } : {}), published: now() };
  const answer = accepted ? new Accept(values) : new Reject(values);
  await record(ctx, answer);
  await ctx.sendActivity({ identifier: community.slug }, request.actor, answer);
}

/** An attendee promoted from the waitlist is told with an Accept of its Join. */
export async function acceptPromoted(ctx: Ctx, community: Community, actorUri: string, joinUri: string | null, eventUri: URL): Promise<void> {
  const actor = await ctx.lookupObject(actorUri, { documentLoader: await ctx.getDocumentLoader({ identifier: community.slug }) }).catch(() => null);
  if (!actor || !("inboxId" in actor) || !actor.id) return;
  const join = new Join({ id: joinUri ? new URL(joinUri) : null, actor: actor.id, object: eventUri });
  await answerRsvp(ctx, community, { activity: join, actor: actor as unknown as Recipient, eventUri }, true,
    "A seat freed up: you are now attending.", "rsvp-promote");
}
