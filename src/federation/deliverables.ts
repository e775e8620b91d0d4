// Deliverables over ActivityPub. A working group's deliverable is an object
// of the Praxis type `Deliverable`, served at /c/{slug}/deliverables/{id}
// (src/web/routes/deliverables.ts) and listed in the Group's `deliverables`
// collection. Adding one sends `Create`, changing one `Update`, to the
// group's followers — its linked parents among them — with the object by
// reference: receivers dereference it from its own server (signed, so a
// closed group answers its members). Nothing here is a Fedify object
// dispatcher: other Praxis features own those for Event, Article, Document
// and Note, and a `Page` would be shown as a post by Lemmy.
import type { Context } from "@fedify/fedify";
import { Create, Update } from "@fedify/vocab";
import type { Community } from "../domain/community.ts";
import type { Deliverable } from "../domain/working-groups.ts";
import type { AppServices } from "../services.ts";
import { PRAXIS_NS } from "./group-extensions.ts";
import { publicOrigin } from "./origin.ts";
import { activityUri, communityAddressing, toFollowers } from "./outbound.ts";
import { escapeHtml } from "./text.ts";
import { now } from "./time.ts";

type Ctx = Context<AppServices>;

export const DELIVERABLE_TYPE = "Deliverable";

export const DELIVERABLE_CONTEXT = {
  praxis: PRAXIS_NS,
  Deliverable: "praxis:Deliverable",
  deliverableStatus: "praxis:deliverableStatus",
  due: { "@id": "praxis:due", "@type": "http://www.w3.org/2001/XMLSchema#date" },
  deliverables: { "@id": "praxis:deliverables", "@type": "@id" },
} as const;

export function deliverableUri(origin: string, slug: string, id: string): string {
  return new URL(`/c/${slug}/deliverables/${id}`, origin).href;
}

export function deliverablesCollectionUri(origin: string, slug: string): string {
  return new URL(`/c/${slug}/deliverables`, origin).href;
}

/** The addressing a community's objects carry: Public and followers, or followers only when closed. */
function addressing(origin: string, community: Community): { to: string[]; cc: string[] } {
  const followers = new URL(`/c/${community.slug}/followers`, origin).href;
  return community.closed
    ? { to: [followers], cc: [] }
    : { to: ["https://www.w3.org/ns/activitystreams#Public"], cc: [followers] };
}

const STATUS_TEXT: Record<Deliverable["status"], string> = { planned: "planned", "in-progress": "in progress", done: "done" };

/** The sentence microblogs show: "<group> deliverable: <title> (done, due 2026-06-30)" and its link. */
export function deliverableContent(community: Community, d: Deliverable): string {
  const details = [STATUS_TEXT[d.status] ?? d.status, ...(d.due ? [`due ${d.due}`] : [])].join(", ");
  const link = d.resourceUri ? ` <a href="${escapeHtml(d.resourceUri)}">${escapeHtml(d.resourceUri)}</a>` : "";
  return `<p>${escapeHtml(community.name)} deliverable: <strong>${escapeHtml(d.title)}</strong> (${details})${link}</p>`;
}

/** A deliverable as JSON-LD (without @context). */
export function deliverableObject(origin: string, community: Community, d: Deliverable): Record<string, unknown> {
  const group = new URL(`/c/${community.slug}`, origin).href;
  return {
    id: deliverableUri(origin, community.slug, d.id),
    // Also a Note, with a sentence as its content, so that Mastodon and other
    // microblogs show the working group's followers what it delivers.
    type: ["Note", DELIVERABLE_TYPE],
    name: d.title,
    content: deliverableContent(community, d),
    mediaType: "text/html",
    attributedTo: group,
    audience: group,
    deliverableStatus: d.status,
    ...(d.due ? { due: d.due } : {}),
    ...(d.resourceUri ? { url: d.resourceUri } : {}),
    published: d.createdAt,
    updated: d.updatedAt,
    ...addressing(origin, community),
  };
}

export function deliverableDocument(origin: string, community: Community, d: Deliverable): Record<string, unknown> {
  return { "@context": ["https://www.w3.org/ns/activitystreams", DELIVERABLE_CONTEXT], ...deliverableObject(origin, community, d) };
}

/** The Group's `deliverables` collection: every deliverable, embedded, oldest first. */
export function deliverablesCollection(origin: string, community: Community, items: Deliverable[]): Record<string, unknown> {
  return {
    "@context": ["https://www.w3.org/ns/activitystreams", DELIVERABLE_CONTEXT],
    id: deliverablesCollectionUri(origin, community.slug),
    type: "OrderedCollection",
    attributedTo: new URL(`/c/${community.slug}`, origin).href,
    totalItems: items.length,
    orderedItems: items.map((d) => deliverableObject(origin, community, d)),
  };
}

/** Tells the group's followers (its linked parents among them) of a new or changed deliverable. */
export async function sendDeliverable(ctx: Ctx, community: Community, d: Deliverable, kind: "create" | "update"): Promise<void> {
  const object = new URL(deliverableUri(publicOrigin(ctx), community.slug, d.id));
  const values = {
    id: activityUri(ctx, community),
    actor: ctx.getActorUri(community.slug),
    object,
    published: now(),
    ...communityAddressing(ctx, community),
  };
  const activity = kind === "create" ? new Create(values) : new Update(values);
  await toFollowers(ctx, community, activity, object.href);
}
