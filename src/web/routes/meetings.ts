// A community's meetings on the web: the calendar (/c/<slug>/calendar.ics,
// with ?network=1 its verified ancestors' meetings too), the upcomingEvents
// collection (/c/<slug>/events, ActivityPub JSON) and the page of each
// occurrence (/c/<slug>/meetings/<id>, the Event's `url`; Fedify answers the
// same address to ActivityPub clients).
import type { Federation } from "@fedify/fedify";
import { type Context, Hono } from "hono";
import type { MeetingRow, NetworkEventRow, OccurrenceRow } from "../../db/meeting-tables.ts";
import type { Community } from "../../domain/community.ts";
import { eventOf, occurrenceView } from "../../federation/meetings.ts";
import type { AppServices } from "../../services.ts";
import { buildCalendar, type CalendarMeeting } from "../calendar.ts";
import { cacheable } from "../http.ts";
import type { PageData } from "../page-data.ts";
import { renderErrorPage } from "../pages/error.ts";
import { type MeetingItemView, renderMeetingPage } from "../pages/meetings.ts";
import type { WebEnv } from "../public-origin.ts";
import { mayViewContent } from "../visibility.ts";
import type { Lang } from "../views.ts";

/** Occurrences listed per community and in the events collection. */
const LIST_SIZE = 50;

export interface MeetingRouteDeps {
  data: PageData;
  federation: Federation<AppServices>;
  langOf: (c: Context) => Lang;
}

/** A community's upcoming published occurrences, as pages list them. */
export async function upcomingMeetingViews(services: AppServices, community: Community, limit = LIST_SIZE): Promise<MeetingItemView[]> {
  const { repos, config } = services;
  const rows = (await repos.meetings.upcoming(community.id, new Date().toISOString(), limit)).filter((r) => r.published === 1);
  const counts = await repos.meetings.attendingCounts(rows.map((r) => r.id));
  return rows.map((r) => itemView(config.origin, community, r.meeting, r, counts.get(r.id) ?? 0));
}

function itemView(origin: string, community: Community, m: MeetingRow, o: OccurrenceRow, attending: number): MeetingItemView & { description: string } {
  return {
    url: new URL(`/c/${encodeURIComponent(community.slug)}/meetings/${encodeURIComponent(o.id)}`, origin).href,
    title: m.title, start: o.starts_at, end: o.ends_at, timezone: m.timezone, place: m.place, online: m.online_url,
    attending, capacity: m.capacity, cancelled: m.status === "cancelled" || o.status === "cancelled", repeat: m.repeat,
    description: m.description,
  };
}

/** The community's local ancestors (verified parent links on this server), nearest first, at most `depth` levels. */
async function localAncestors(services: AppServices, community: Community, depth: number): Promise<Community[]> {
  const { repos, config } = services;
  const out: Community[] = [];
  const seen = new Set([community.id]);
  let level = [community];
  for (let d = 0; d < depth && level.length > 0; d++) {
    const next: Community[] = [];
    for (const c of level) {
      for (const link of await repos.links.list(c.id, { statuses: ["active"], relation: "parent" })) {
        const url = new URL(link.peer_uri);
        const m = /^\/c\/([^/]+)$/.exec(url.pathname);
        if (url.origin !== config.origin || !m) continue;
        const parent = await repos.communities.findBySlug(decodeURIComponent(m[1]));
        if (!parent || parent.deletedAt || seen.has(parent.id) || !mayViewContent(parent)) continue;
        seen.add(parent.id);
        out.push(parent);
        next.push(parent);
      }
    }
    level = next;
  }
  return out;
}

async function calendarMeetings(services: AppServices, community: Community, from?: string): Promise<CalendarMeeting[]> {
  const { repos, config } = services;
  const out: CalendarMeeting[] = [];
  for (const meeting of await repos.meetings.list(community.id)) {
    const occurrences = (await repos.meetings.occurrences(meeting.id)).filter((o) => o.published === 1);
    if (occurrences.length === 0) continue;
    out.push({ meeting, occurrences, urlOf: (id) => new URL(`/c/${community.slug}/meetings/${id}`, config.origin).href, from });
  }
  return out;
}

export function meetingRoutes({ data, federation, langOf }: MeetingRouteDeps): Hono<WebEnv> {
  const r = new Hono<WebEnv>();
  const { services } = data;
  const { repos, config } = services;

  async function visibleCommunity(slug: string): Promise<Community | null> {
    const community = await repos.communities.findBySlug(slug);
    return community && !community.deletedAt && mayViewContent(community) ? community : null;
  }

  r.get("/c/:slug/calendar.ics", cacheable, async (c) => {
    const community = await visibleCommunity(c.req.param("slug"));
    if (!community) return c.text("No such calendar.", 404);
    const network = c.req.query("network") === "1";
    const meetings = await calendarMeetings(services, community);
    let networkEvents: NetworkEventRow[] = [];
    if (network) {
      const local = new Set<string>();
      const since = new Date(Date.now() - 30 * 86_400_000).toISOString();
      // What remote ancestors' Events cascaded here, and to the local ancestors.
      const kept = [...await repos.meetings.networkEvents(community.id, since)];
      for (const parent of await localAncestors(services, community, config.network.maxDepth)) {
        const theirs = await calendarMeetings(services, parent, parent.name);
        for (const m of theirs) for (const o of m.occurrences) local.add(m.urlOf(o.id));
        meetings.push(...theirs);
        kept.push(...await repos.meetings.networkEvents(parent.id, since));
      }
      // A local ancestor's meetings are listed above; each remote Event once.
      const seen = new Set<string>();
      networkEvents = kept.filter((e) => !local.has(e.object_uri) && !seen.has(e.object_uri) && seen.add(e.object_uri));
    }
    const body = buildCalendar({
      name: community.name,
      host: new URL(config.origin).host,
      url: new URL(`/c/${community.slug}`, config.origin).href,
      meetings,
      networkEvents,
    });
    return c.body(body, 200, {
      "Content-Type": "text/calendar; charset=utf-8",
      "Content-Disposition": `inline; filename="${community.slug}${network ? "-network" : ""}.ics"`,
    });
  });

  // FEP-8a8e's upcomingEvents: the community's upcoming Events, ascending by start, embedded.
  r.get("/c/:slug/events", async (c) => {
    const community = await visibleCommunity(c.req.param("slug"));
    if (!community) return c.json({ error: "Not found" }, 404);
    const ctx = federation.createContext(new URL(config.origin), services);
    const rows = (await repos.meetings.upcoming(community.id, new Date().toISOString(), LIST_SIZE)).filter((o) => o.published === 1);
    const items: unknown[] = [];
    for (const row of rows) {
      const view = await occurrenceView(services, row.id);
      if (!view) continue;
      const json = await eventOf(ctx, community, view).toJsonLd({ contextLoader: ctx.contextLoader }) as Record<string, unknown>;
      items.push(json);
    }
    const id = new URL(`/c/${community.slug}/events`, config.origin).href;
    return c.body(JSON.stringify({
      "@context": "https://www.w3.org/ns/activitystreams",
      id, type: "OrderedCollection", totalItems: items.length, orderedItems: items,
    }), 200, { "Content-Type": "application/activity+json", Vary: "Accept" });
  });

  r.get("/c/:slug/meetings/:id", cacheable, async (c) => {
    const lang = langOf(c);
    const community = await visibleCommunity(c.req.param("slug"));
    const view = community ? await occurrenceView(services, c.req.param("id")) : null;
    if (!community || !view || view.occurrence.community_id !== community.id || view.occurrence.published !== 1) {
      return c.html(renderErrorPage({ instance: data.instance(lang), status: 404 }, lang), 404);
    }
    return c.html(renderMeetingPage({
      instance: data.instance(lang),
      community: { slug: community.slug, name: community.name },
      meeting: itemView(config.origin, community, view.meeting, view.occurrence, view.attending),
      url: new URL(c.req.url),
    }, lang));
  });
  return r;
}
