// A parent community's meetings cascading down the network. A community
// follows its linked parents, so their Create(Event) and Update(Event)
// arrive here: the child keeps the Event (its calendar with ?network=1
// lists it) and relays it to its own followers as a boost (Announce of the
// Event's id), as it does its parents' posts. Only a verified (active)
// parent's own Events, read from the parent's server, never from the
// activity; a closed parent's meetings never reach a public child.
import type { InboxContext } from "@fedify/fedify";
import { type Activity, Event } from "@fedify/vocab";
import { getLogger } from "@logtape/logtape";
import type { CommunityLinkRow } from "../../db/schema.ts";
import type { NetworkEventRow } from "../../db/meeting-tables.ts";
import { isPubliclyAddressed } from "../../domain/access.ts";
import { parseTimeZone } from "../../domain/recurrence.ts";
import type { AppServices } from "../../services.ts";
import { boostObject } from "../outbound.ts";
import { lenientLoader } from "../lenient-json.ts";
import { embeddedOnly } from "../objects.ts";

const logger = getLogger(["praxis", "federation", "inbox", "network-events"]);

type Ctx = InboxContext<AppServices>;
type Json = Record<string, unknown>;

/** The active links in which the activity's actor is our parent, if it carries that actor's own Event. */
export async function parentEventLinks(ctx: Ctx, activity: Activity): Promise<CommunityLinkRow[] | null> {
  if (!activity.actorId || !activity.objectId || activity.objectId.origin !== activity.actorId.origin) return null;
  // The embedded object first (no request): a post costs no query here.
  const object = await activity.getObject({ documentLoader: embeddedOnly, contextLoader: ctx.contextLoader }).catch(() => null);
  if (!(object instanceof Event)) return null;
  const links = (await ctx.data.repos.links.withPeer(activity.actorId.href)).filter((l) => l.status === "active" && l.relation === "parent");
  return links.length === 0 ? null : links;
}

/**
 * A linked parent's boost of an Event it relayed from its own parent (a
 * Praxis meeting, `/c/<slug>/meetings/<id>` on another origin): the child
 * keeps it for its network calendar. The boost itself cascades as a post
 * does (inbox/network.ts); only Praxis-shaped meeting ids are fetched here,
 * so posts cost no extra request.
 */
export async function onParentEventBoost(ctx: Ctx, announce: Activity): Promise<void> {
  if (!announce.actorId || !announce.objectId) return;
  const objectId = announce.objectId;
  if (objectId.origin === announce.actorId.origin || !/^\/c\/[^/]+\/meetings\/[^/]+$/.test(objectId.pathname) || objectId.search) return;
  const links = (await ctx.data.repos.links.withPeer(announce.actorId.href)).filter((l) => l.status === "active" && l.relation === "parent");
  if (links.length === 0) return;
  // The organiser is the Group the Event's own server names (its origin's /c/<slug>).
  const organiser = new URL(objectId.pathname.replace(/\/meetings\/[^/]+$/, ""), objectId.origin).href;
  await keepEvent(ctx, objectId.href, organiser, announce.actorId.href, links, false);
}

const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
const idOf = (v: unknown): string | null => (typeof v === "string" ? v : v && typeof v === "object" ? str((v as Json).id) : null);
const first = (v: unknown): unknown => (Array.isArray(v) ? v[0] : v);
function instantOf(v: unknown): string | null {
  const s = str(v);
  if (!s || s.length > 40) return null;
  const ms = Date.parse(s);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}
function httpOf(v: unknown): string | null {
  const s = str(v);
  if (!s) return null;
  try {
    const u = new URL(s);
    return u.protocol === "https:" || u.protocol === "http:" ? u.href : null;
  } catch {
    return null;
  }
}
function zoneOf(v: unknown): string | null {
  const s = str(v);
  if (!s) return null;
  try {
    return parseTimeZone(s);
  } catch {
    return null;
  }
}

/** The Event as its own server serves it, read into what a calendar needs. */
function readEvent(json: Json, eventId: string, parentUri: string): Omit<NetworkEventRow, "community_id" | "via_uri" | "received_at"> | null {
  if (json.id !== eventId || first(json.type) !== "Event") return null;
  const attributed = Array.isArray(json.attributedTo) ? json.attributedTo.map(idOf) : [idOf(json.attributedTo)];
  if (!attributed.includes(parentUri)) return null;
  const startsAt = instantOf(json.startTime);
  const name = str(json.name)?.slice(0, 500);
  if (!startsAt || !name) return null;
  const location = first(json.location);
  const links = (Array.isArray(json.attachment) ? json.attachment : [json.attachment]).filter((a): a is Json => !!a && typeof a === "object" && (a as Json).type === "Link");
  const status = str(json["ical:status"]) ?? str(json.status) ?? "";
  const eventStatus = str(json.eventStatus) ?? "";
  return {
    object_uri: eventId,
    name,
    content: str(json.content)?.slice(0, 20_000) ?? null,
    url: httpOf(idOf(first(json.url))) ?? httpOf((first(json.url) as Json | undefined)?.href),
    starts_at: startsAt,
    ends_at: instantOf(json.endTime),
    timezone: zoneOf(json.timezone),
    location: location && typeof location === "object" ? str((location as Json).name)?.slice(0, 500) ?? null : str(location)?.slice(0, 500) ?? null,
    online_url: httpOf(links[0]?.href),
    status: status.toUpperCase() === "CANCELLED" || eventStatus.endsWith("EventCancelled") ? "cancelled" : "scheduled",
  };
}

/** A linked parent published (Create) or changed (Update) one of its meetings. */
export async function onParentEvent(ctx: Ctx, activity: Activity, links: CommunityLinkRow[]): Promise<void> {
  await keepEvent(ctx, activity.objectId!.href, activity.actorId!.href, activity.actorId!.href, links, true);
}

/**
 * Fetches the Event from its server, checks it is `organiser`'s, keeps it
 * for each linked child (`via` the parent it came through) and, with
 * `relay`, boosts it to the child's followers when it is new.
 */
async function keepEvent(ctx: Ctx, eventId: string, organiser: string, via: string, links: CommunityLinkRow[], relay: boolean): Promise<void> {
  const parentUri = organiser;
  const { repos } = ctx.data;
  const signer = await repos.communities.findById(links[0].community_id);
  if (!signer) return;
  let json: Json;
  try {
    // Signed as the child (a member of the parent) and not cached: an Update's cancellation is read as it is now.
    const loader = await ctx.getDocumentLoader({ identifier: signer.slug });
    const { document } = await lenientLoader(loader)(eventId);
    json = document as Json;
  } catch (error) {
    logger.info("Could not fetch {event} from its parent community: {error}", { event: eventId, error: String(error) });
    return;
  }
  const event = json && typeof json === "object" ? readEvent(json, eventId, parentUri) : null;
  if (!event) {
    logger.info("Ignoring {event}: its server does not serve it as an Event of {parent}", { event: eventId, parent: parentUri });
    return;
  }
  const isPublic = isPubliclyAddressed(json);
  for (const link of links) {
    const community = await repos.communities.findById(link.community_id);
    if (!community || community.deletedAt) continue;
    // A members-only meeting stays with those who may read it.
    if (!isPublic && !community.closed) continue;
    const known = await repos.meetings.networkEvent(community.id, eventId);
    await repos.meetings.saveNetworkEvent({ ...event, community_id: community.id, via_uri: via, received_at: new Date().toISOString() });
    if (relay && !known && event.status === "scheduled" && (await repos.links.settings(community.id)).cascade) {
      await boostObject(ctx, community, new URL(eventId));
      logger.info("{community} cascaded the meeting {event} from its parent {parent}", { community: community.slug, event: eventId, parent: parentUri });
    }
  }
}
