// The resource centre on the wire: the object dispatchers for resources
// (Article, Document) and practice Notes, the Group's `resources`
// collection, the resources listed in `featured`, and the activities a
// community sends when it adds, edits, marks or removes one.
import type { Context, Federation, RequestContext } from "@fedify/fedify";
import {
  Add, Announce, Article, Create, Delete, Document, Note, Object as APObject, Remove, Tombstone, Update,
} from "@fedify/vocab";
import type { PracticeMarkRow, ResourceRow } from "../db/schema.ts";
import type { Community } from "../domain/community.ts";
import type { AppServices } from "../services.ts";
import { mayReadCommunityContent } from "./access.ts";
import { INSTANCE_ACTOR } from "./addressing.ts";
import { MODERATION_ACTOR } from "./moderation.ts";
import { activityUri, claimId, communityAddressing, relayPost, relayToFollowers, toFollowers } from "./outbound.ts";
import {
  ARTICLE_PATH, DOCUMENT_PATH, PRACTICE_NOTE_PATH, practiceNoteObject, RESOURCES_COLLECTION_PATH, resourceObject, resourceUri,
} from "./resource-objects.ts";
import { now } from "./time.ts";

type Ctx = Context<AppServices>;

async function liveCommunity(ctx: { data: AppServices }, identifier: string): Promise<Community | null> {
  if (identifier === INSTANCE_ACTOR || identifier === MODERATION_ACTOR) return null;
  const community = await ctx.data.repos.communities.findBySlug(identifier);
  return community && !community.deletedAt ? community : null;
}

async function liveResource(ctx: RequestContext<AppServices>, identifier: string, id: string, form: ResourceRow["form"]) {
  const community = await liveCommunity(ctx, identifier);
  if (!community) return null;
  const r = await ctx.data.repos.resources.get(community.id, id);
  if (!r || r.deleted_at || r.form !== form) return null;
  return resourceObject(ctx, community, r);
}

/**
 * The community's live resources, as objects: all of them for `resources`;
 * for `featured`, the Articles only, because Lemmy reads every featured item
 * as a post and refuses the whole collection over one type it does not
 * know (a Document), and Mastodon shows no Document anyway.
 */
export async function resourceObjects(ctx: Ctx, community: Community, options: { featured?: boolean } = {}): Promise<APObject[]> {
  return (await ctx.data.repos.resources.list(community.id))
    .filter((r) => !options.featured || isFeatured(r))
    .map((r) => resourceObject(ctx, community, r));
}

export function isFeatured(r: Pick<ResourceRow, "form">): boolean {
  return r.form === "article";
}

const readable = (ctx: RequestContext<AppServices>, values: Record<string, string>) => mayReadCommunityContent(ctx, values.identifier);

export function registerResources(federation: Federation<AppServices>): void {
  federation
    .setObjectDispatcher(Article, ARTICLE_PATH, (ctx, values) => liveResource(ctx, values.identifier, values.id, "article"))
    .authorize(readable);
  federation
    .setObjectDispatcher(Document, DOCUMENT_PATH, (ctx, values) => liveResource(ctx, values.identifier, values.id, "link"))
    .authorize(readable);
  federation
    .setObjectDispatcher(Note, PRACTICE_NOTE_PATH, async (ctx, values) => {
      const community = await liveCommunity(ctx, values.identifier);
      if (!community) return null;
      const mark = await ctx.data.repos.practice.get(values.id);
      if (!mark || mark.community_id !== community.id || mark.direction !== "own" || !mark.note_uri) return null;
      return practiceNoteObject(ctx, community, mark);
    })
    .authorize(readable);
  // Mobilizon publishes a Group's resources the same way.
  federation
    .setOrderedCollectionDispatcher("resources", APObject, RESOURCES_COLLECTION_PATH, async (ctx, values) => {
      const community = await liveCommunity(ctx, values.identifier);
      return community ? { items: await resourceObjects(ctx, community) } : null;
    })
    .setCounter(async (ctx, values) => {
      const community = await liveCommunity(ctx, values.identifier);
      return community ? (await ctx.data.repos.resources.list(community.id)).length : null;
    })
    .authorize(readable);
}

/** The URI of a community's `resources` collection. */
export function resourcesCollectionUri(origin: string, slug: string): string {
  return new URL(`/c/${slug}/resources`, origin).href;
}

/**
 * A new resource: `Create` announced to the followers the way a post is
 * relayed (`Announce(Create)` and a boost, so threadiverse and Mastodon
 * followers both see it, and linked parents roll it up), then `Add` to the
 * featured collection, which Mastodon reads as a pin.
 */
export async function announceNewResource(ctx: Ctx, community: Community, r: ResourceRow): Promise<URL> {
  const object = resourceObject(ctx, community, r);
  const group = ctx.getActorUri(community.slug);
  const create = new Create({
    id: await claimId(ctx, community, object.id!.href, "create"),
    actor: group,
    object,
    published: now(),
    ...communityAddressing(ctx, community),
  });
  await relayPost(ctx, community, create, object.id!);
  if (!isFeatured(r)) return object.id!;
  const add = new Add({
    id: await claimId(ctx, community, object.id!.href, "feature"),
    actor: group,
    object: object.id,
    target: ctx.getFeaturedUri(community.slug),
    ...communityAddressing(ctx, community),
  });
  await toFollowers(ctx, community, add, object.id!.href);
  return object.id!;
}

/** An edit (a new version) or a new practice status: `Update` with the whole object. */
export async function sendResourceUpdate(ctx: Ctx, community: Community, r: ResourceRow): Promise<URL> {
  const object = resourceObject(ctx, community, r);
  const update = new Update({
    id: activityUri(ctx, community),
    actor: ctx.getActorUri(community.slug),
    object,
    published: now(),
    ...communityAddressing(ctx, community),
  });
  await toFollowers(ctx, community, update, object.id!.href);
  return update.id!;
}

/**
 * A removed resource: `Remove` from featured, `Delete` of it, and
 * `Announce(Delete)`, which carries the withdrawal along network links.
 */
export async function sendResourceDelete(ctx: Ctx, community: Community, r: ResourceRow): Promise<void> {
  const id = resourceUri(ctx, community.slug, r);
  const group = ctx.getActorUri(community.slug);
  const addressing = communityAddressing(ctx, community);
  const remove = isFeatured(r) ? new Remove({
    id: await claimId(ctx, community, id.href, "unfeature"), actor: group, object: id, target: ctx.getFeaturedUri(community.slug), ...addressing,
  }) : null;
  const del = new Delete({
    id: await claimId(ctx, community, id.href, "delete"), actor: group, object: new Tombstone({ id }), published: now(), ...addressing,
  });
  const announce = new Announce({
    id: await claimId(ctx, community, id.href, "announce-delete"), actor: group, object: del, published: now(), ...addressing,
  });
  await relayToFollowers(ctx, community, [
    ...(remove ? [{ activity: remove, orderingKey: id.href }] : []),
    { activity: del, orderingKey: id.href },
    { activity: announce, orderingKey: id.href },
  ]);
}

/**
 * A community marks a post it carries: the Group's own `Note` saying so,
 * relayed like a post the first time (linked Groups roll it up or cascade
 * it), and an `Update` of that Note when the status changes.
 */
export async function publishPracticeNote(ctx: Ctx, community: Community, mark: PracticeMarkRow, first: boolean): Promise<URL> {
  const note = practiceNoteObject(ctx, community, mark);
  const group = ctx.getActorUri(community.slug);
  if (first) {
    const create = new Create({
      id: await claimId(ctx, community, note.id!.href, "create"), actor: group, object: note, published: now(), ...communityAddressing(ctx, community),
    });
    await relayPost(ctx, community, create, note.id!);
  } else {
    const update = new Update({ id: activityUri(ctx, community), actor: group, object: note, published: now(), ...communityAddressing(ctx, community) });
    await toFollowers(ctx, community, update, note.id!.href);
  }
  return note.id!;
}
