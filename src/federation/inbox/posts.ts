// Posts into a community (FEP-1b12): Create stores and relays a post in its
// home community; Update and Delete from its author are relayed likewise,
// a deletion withdraws the community's boost, and the author's Undo of the
// deletion (Lemmy's restore) brings the post back and boosts it again.
// Whatever is not acted on is logged once, at info level, with the reason.
import type { InboxContext } from "@fedify/fedify";
import { type Create, type Delete, Group, Organization, type Undo, type Update } from "@fedify/vocab";
import { getLogger } from "@logtape/logtape";
import { audienceNamesOtherGroup, homeCommunity, isPublicVisibility, visibilityOf } from "../../domain/addressing.ts";
import { type AttributionKind, type AuthorshipVerdict, judgeAuthorship, MAX_CO_ATTRIBUTIONS, onActorsOrigin } from "../../domain/authorship.ts";
import { decideModeratedPost, isBanActive } from "../../domain/moderation.ts";
import { decidePostRelay, mayChangePost } from "../../domain/relay.ts";
import type { PostRow } from "../../db/schema.ts";
import type { AppServices } from "../../services.ts";
import { addressingOf, localTargetResolver, visibilityOfActivity, visibilityOfObject } from "../addressing.ts";
import { dropLink } from "../network.ts";
import { announceActivity, boostObject, relayPost, withdrawBoost } from "../outbound.ts";
import { rememberActor } from "../remote-actors.ts";
import { isPostObject, type PostObject, postFields, typeOf } from "../objects.ts";
import { mediaOf } from "../attachments.ts";
import { lenientLoader } from "../lenient-json.ts";
import { isoOf } from "../time.ts";
import { ignoring } from "./ignoring.ts";

const logger = getLogger(["praxis", "federation", "inbox"]);

/**
 * Whether the post names only its actor (the signer) as author, resolving
 * co-attributions on the actor's own server to tell a channel Group
 * (PeerTube) from another person. Nothing on another server is fetched.
 */
async function authorshipOf(ctx: InboxContext<AppServices>, object: PostObject, actor: string): Promise<AuthorshipVerdict> {
  const ids = [...new Set(object.attributionIds.map((u) => u.href))];
  const others = ids.filter((id) => id !== actor);
  const kinds = new Map<string, AttributionKind>();
  if (others.length > 0 && others.length <= MAX_CO_ATTRIBUTIONS && others.every((id) => onActorsOrigin(actor, id))) {
    for await (const a of object.getAttributions({ documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader, suppressError: true })) {
      if (a.id) kinds.set(a.id.href, a instanceof Group || a instanceof Organization ? "group" : "person");
    }
  }
  return judgeAuthorship(actor, ids.map((id) => ({ id, kind: kinds.get(id) ?? "unknown" })));
}

export async function onCreate(ctx: InboxContext<AppServices>, create: Create): Promise<void> {
  if (!create.id || !create.actorId || create.actorIds.length !== 1) return ignoring(create, "it has no id, or not exactly one actor");
  const object = await create.getObject(ctx);
  if (!isPostObject(object)) {
    return ignoring(create, "its object is {type}, not a post (Note, Article, Page, Question, Video, Audio or Event)", { type: typeOf(object) });
  }
  if (!object.id) return ignoring(create, "its object has no id");
  // Only an actor's own posts, from its own server: anything else is forged
  // or claims an authorship the signer does not have, and is not relayed.
  if (object.id.origin !== create.actorId.origin) {
    logger.info("Ignoring Create {id}: its object is not on its actor's server", { id: create.id.href });
    return;
  }
  const authorship = await authorshipOf(ctx, object, create.actorId.href);
  if (!authorship.ok) {
    logger.info("Ignoring Create {id}: {reason}", { id: create.id.href, reason: authorship.reason });
    return;
  }
  const { repos } = ctx.data;
  const addressing = await addressingOf(create, object);
  const resolve = localTargetResolver(ctx);
  const replyTo = object.replyTargetId?.href ?? null;
  let replyCommunity: string | null = null;
  if (replyTo) {
    const parent = (await repos.posts.findByObject(replyTo)).find((p) => p.deleted_at === null && p.removed_at === null);
    if (parent) replyCommunity = (await repos.communities.findById(parent.community_id))?.slug ?? null;
  }
  const slug = homeCommunity(addressing, resolve, replyCommunity);
  if (!slug) return ignoring(create, "it is addressed to no community here and replies to no post here");
  // The community, the actor's standing in it and its stored copy's age: one statement.
  const arrival = await repos.arrivals.read(slug, create.actorId.href);
  if (!arrival) return ignoring(create, "community {slug} does not exist", { slug });
  const { community, standing } = arrival;
  // An archived working group is read-only: nothing new is accepted or relayed.
  if (community.archivedAt) return ignoring(create, "{community} is an archived working group (read-only)", { community: slug });
  const author = await authorIfNeeded(ctx, create, object, arrival.actorFetchedAt);
  const decision = decidePostRelay({
    // The object's own addressing counts: the stricter of object and Create.
    visibility: visibilityOfActivity(create, object, author?.followersId?.href),
    authorIsMember: standing.status === "accepted",
    postingPolicy: community.postingPolicy,
    communityDeleted: community.deletedAt !== null,
    audienceIsOtherGroup: audienceNamesOtherGroup(addressing, resolve) && !replyCommunity,
  });
  if (!decision.relay) {
    logger.info("Not relaying {id} in {community}: {reason}", { id: create.id.href, community: slug, reason: decision.reason });
    return;
  }
  const moderation = decideModeratedPost({
    actorIsBanned: isBanActive(standing.ban),
    isReply: replyTo !== null,
    threadLocked: replyTo !== null && await threadLocked(ctx, community.id, replyTo),
    announcementOnly: community.announcementOnly,
    actorIsModerator: standing.moderator,
  });
  if (!moderation.allowed) {
    logger.info("Not relaying {id} in {community}: {reason}", { id: create.id.href, community: slug, reason: moderation.reason });
    return;
  }
  if (author) await rememberActor(repos.remoteActors, author);
  await repos.posts.insertIfAbsent({
    communityId: community.id,
    objectUri: object.id.href,
    activityUri: create.id.href,
    authorUri: create.actorId.href,
    type: typeOf(object),
    inReplyTo: replyTo,
    ...await postFields(object),
    published: isoOf(object.published) ?? new Date().toISOString(),
    ...(await mediaOf(object)),
  });
  // Ordered per object so that a later Update or Delete never overtakes it.
  await relayPost(ctx, community, create, object.id);
  logger.info("Relayed {id} in {community}", { id: object.id.href, community: slug });
}

/**
 * The post's author, fetched only when something needs it: the author's
 * followers collection tells a followers-only post from a direct one, which
 * matters only when the post is not public; and the stored copy of the
 * author is refreshed once older than federation.actorCacheSeconds. A
 * public post from an author stored lately needs no remote GET at all.
 */
async function authorIfNeeded(ctx: InboxContext<AppServices>, create: Create, object: PostObject, storedFetchedAt: string | null) {
  const maxAgeMs = ctx.data.config.federation.actorCacheSeconds * 1000;
  const fresh = storedFetchedAt !== null && Date.now() - Date.parse(storedFetchedAt) < maxAgeMs;
  if (fresh && isPublicVisibility(visibilityOfActivity(create, object, null))) return null;
  return create.getActor(ctx);
}

/** Whether any post up the reply chain (within the community) is locked. */
async function threadLocked(ctx: InboxContext<AppServices>, communityId: string, replyTo: string): Promise<boolean> {
  let uri: string | null = replyTo;
  // Bounded: a reply chain is walked at most this deep (and cycles end it).
  for (let depth = 0; uri !== null && depth < 100; depth++) {
    const post: PostRow | null = await ctx.data.repos.posts.find(communityId, uri);
    if (!post) return false;
    if (post.locked_at !== null) return true;
    uri = post.in_reply_to;
  }
  return false;
}

export async function onUpdate(ctx: InboxContext<AppServices>, update: Update): Promise<void> {
  if (!update.id || !update.actorId || !update.objectId || update.actorIds.length !== 1) return ignoring(update, "it has no id or object, or not exactly one actor");
  const { repos } = ctx.data;
  const posts = (await repos.posts.findByObject(update.objectId.href)).filter((p) => p.deleted_at === null);
  if (posts.length === 0) return ignoring(update, "{object} is no post here", { object: update.objectId.href });
  const object = await update.getObject(ctx);
  if (!isPostObject(object) || object.id?.href !== update.objectId.href) {
    return ignoring(update, "its object is {type}, not the post it names", { type: typeOf(object) });
  }
  // An edit may not add authors the signer cannot speak for.
  const authorship = await authorshipOf(ctx, object, update.actorId.href);
  if (!authorship.ok) {
    logger.info("Ignoring Update {id}: {reason}", { id: update.id.href, reason: authorship.reason });
    return;
  }
  // An edit that makes the post non-public (by the object's own addressing
  // or the Update's) is neither applied nor relayed: the new text is not
  // for the community's audience.
  if (!isPublicVisibility(visibilityOfActivity(update, object))) {
    logger.info("Not relaying {id}: the edited object is not public", { id: update.id.href });
    return;
  }
  const fields = await postFields(object);
  const media = await mediaOf(object);
  for (const post of posts) {
    const community = await repos.communities.findById(post.community_id);
    const why = !mayChangePost(update.actorId.href, post.author_uri) ? "its actor is not the post's author"
      : post.removed_at !== null ? "a moderator removed the post"
      : !community || community.deletedAt ? "the community is gone"
      : await repos.bans.isBanned(community.id, update.actorId.href) ? "its actor is banned from the community"
      : null;
    if (why !== null || !community) {
      ignoring(update, `${why} ({community})`, { community: community?.slug ?? post.community_id });
      continue;
    }
    await repos.posts.applyEdit(post.id, { ...fields, updated: isoOf(object.updated) ?? new Date().toISOString(), ...media });
    await announceActivity(ctx, community, update, post.object_uri);
  }
}

/**
 * The author undoes their deletion (Lemmy's restore). The post comes back
 * as its origin serves it now (never as anyone embedded it), the community
 * relays the Undo, and boosts the post again under a fresh id, since
 * receivers drop an activity id they have seen.
 */
export async function onUndoDelete(ctx: InboxContext<AppServices>, undo: Undo, del: Delete): Promise<void> {
  if (!undo.id || !undo.actorId || !del.objectId) return ignoring(undo, "it has no id or actor, or its Delete names no object");
  if (del.actorId?.href !== undo.actorId.href) return ignoring(undo, "it undoes someone else's Delete");
  const { repos } = ctx.data;
  const objectUri = del.objectId.href;
  const posts = (await repos.posts.findByObject(objectUri)).filter((p) => p.deleted_at !== null);
  if (posts.length === 0) return ignoring(undo, "{object} is no deleted post here", { object: objectUri });
  const object = await ctx.lookupObject(objectUri, { documentLoader: lenientLoader(ctx.documentLoader) }).catch(() => null);
  if (!isPostObject(object) || object.id?.href !== objectUri || object.id.origin !== undo.actorId.origin) {
    return ignoring(undo, "{object} is not served by its origin as a post (it is {type})", { object: objectUri, type: typeOf(object) });
  }
  const authorship = await authorshipOf(ctx, object, undo.actorId.href);
  if (!authorship.ok) return ignoring(undo, "{reason}", { reason: authorship.reason });
  // As its origin serves it now: a post that is no longer public stays gone.
  if (!isPublicVisibility(visibilityOfObject(object))) return ignoring(undo, "{object} is no longer public", { object: objectUri });
  const fields = await postFields(object);
  const media = await mediaOf(object);
  for (const post of posts) {
    const community = await repos.communities.findById(post.community_id);
    const why = !mayChangePost(undo.actorId.href, post.author_uri) ? "its actor is not the post's author"
      : !community || community.deletedAt ? "the community is gone"
      : await repos.bans.isBanned(community.id, undo.actorId.href) ? "its actor is banned from the community"
      : null;
    if (why !== null || !community) {
      ignoring(undo, `${why} ({community})`, { community: community?.slug ?? post.community_id });
      continue;
    }
    await repos.posts.restore(post.id, { ...fields, ...media, updated: isoOf(object.updated) ?? new Date().toISOString() });
    // A moderator's removal outlives the author's restore: nothing is relayed then.
    if (post.removed_at !== null) {
      ignoring(undo, "a moderator removed the post in {community}; it stays removed", { community: community.slug });
      continue;
    }
    await announceActivity(ctx, community, undo, post.object_uri);
    await repos.activities.retire(community.id, post.object_uri, ["boost", "undo-boost"]);
    await boostObject(ctx, community, new URL(post.object_uri));
    logger.info("Restored {id} in {community}", { id: post.object_uri, community: community.slug });
  }
}

export async function onDelete(ctx: InboxContext<AppServices>, del: Delete): Promise<void> {
  if (!del.id || !del.actorId || !del.objectId) return ignoring(del, "it has no id, actor or object");
  const { repos } = ctx.data;
  // An account deletion: the actor deletes itself.
  if (del.objectId.href === del.actorId.href) {
    const n = await repos.memberships.removeEverywhere(del.actorId.href);
    // A deleted Group is no longer anyone's parent or sub-community.
    for (const link of await repos.links.withPeer(del.actorId.href)) {
      const community = await repos.communities.findById(link.community_id);
      if (community) await dropLink(ctx, community, link, { notifyPeer: false });
    }
    if (n > 0) logger.info("{actor} was deleted; removed from {n} communities", { actor: del.actorId.href, n });
    return;
  }
  const posts = (await repos.posts.findByObject(del.objectId.href)).filter((p) => p.deleted_at === null);
  if (posts.length === 0) return ignoring(del, "{object} is no post here", { object: del.objectId.href });
  for (const post of posts) {
    const community = await repos.communities.findById(post.community_id);
    if (!mayChangePost(del.actorId.href, post.author_uri) || !community || community.deletedAt) {
      ignoring(del, "its actor is not the post's author, or the community is gone");
      continue;
    }
    await repos.posts.markDeleted(post.id);
    await announceActivity(ctx, community, del, post.object_uri);
    await withdrawBoost(ctx, community, new URL(post.object_uri));
    logger.info("Withdrew {id} from {community}", { id: post.object_uri, community: community.slug });
  }
}
