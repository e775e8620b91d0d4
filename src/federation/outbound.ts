// The bridge from domain events to activities the communities send. Every
// outgoing activity gets an id claimed in community_activities first, keyed
// by what caused it: a retried inbox task re-sends the same id (receivers
// deduplicate by id) instead of announcing twice.
import type { Context } from "@fedify/fedify";
import {
  Accept, type Activity, Announce, Delete, Follow, PUBLIC_COLLECTION, type Recipient, Reject,
  Tombstone, Undo,
} from "@fedify/vocab";
import type { Community } from "../domain/community.ts";
import type { AppServices } from "../services.ts";
import { buildGroup, partOf } from "./actors.ts";
import { plainAnnounce } from "./announce-json.ts";
import type { RelayItem, RelayOptions } from "./fanout.ts";
import { GroupUpdate } from "./lemmy-vocab.ts";
import { now } from "./time.ts";
import { publicOrigin } from "./origin.ts";

type Ctx = Context<AppServices>;

export function activityUri(ctx: Ctx, community: Community, id: string = crypto.randomUUID()): URL {
  return new URL(`/c/${community.slug}/activities/${id}`, publicOrigin(ctx));
}

export async function claimId(ctx: Ctx, community: Community, sourceUri: string, kind: string): Promise<URL> {
  const claimed = await ctx.data.repos.activities.claim(community.id, sourceUri, kind, activityUri(ctx, community).href);
  return new URL(claimed.activityUri);
}

export async function record(ctx: Ctx, activity: Activity): Promise<void> {
  // Fedify's own compact form (no format option): the same JSON-LD without a
  // full jsonld.js compaction, which would cost more than the delivery itself.
  await ctx.data.repos.activities.saveJson(activity.id!.href, await activity.toJsonLd({ contextLoader: ctx.contextLoader }));
}

export async function toFollowers(ctx: Ctx, community: Community, activity: Activity, orderingKey?: string, options: RelayOptions = {}): Promise<void> {
  await relayToFollowers(ctx, community, [{ activity, orderingKey }], options);
}

/**
 * Records the activities and sends them to the community's followers, each
 * inbox getting them in this order: streamed in pages by the fan-out
 * (src/federation/fanout.ts), or through Fedify's own when it is not there.
 * `options.except` leaves one follower out on Praxis's fan-out (Fedify's
 * sends to every follower; the neighbour left out ignores it either way).
 */
export async function relayToFollowers(ctx: Ctx, community: Community, items: RelayItem[], options: RelayOptions = {}): Promise<void> {
  const sent = ctx.data.fanout ? await ctx.data.fanout.relay(ctx, community, items, options) : null;
  if (sent) {
    // Recorded as sent (signed, serialised once), not serialised again.
    await ctx.data.repos.activities.saveJsonMany(items.map(({ activity }, i) => ({ activityUri: activity.id!.href, json: sent[i] })));
    return;
  }
  for (const { activity } of items) await record(ctx, activity);
  for (const { activity, orderingKey } of items) {
    await ctx.sendActivity({ identifier: community.slug }, "followers", activity, {
      preferSharedInbox: true,
      ...(orderingKey ? { orderingKey } : {}),
    });
  }
}

/**
 * Who the activities a community sends (announces, boosts, Updates,
 * Deletes, Undos) are addressed to. An open community's go to Public, cc
 * its followers. A closed community's go to its followers collection only,
 * in `to`: Mastodon files such an Announce of a public post as a private
 * (followers-only) boost, shown to the Group's followers alone, and refuses
 * a boost of a post that is not public itself.
 */
export function communityAddressing(ctx: Ctx, community: Community): { to: URL; cc: URL | null } {
  const followers = ctx.getFollowersUri(community.slug);
  return community.closed ? { to: followers, cc: null } : { to: PUBLIC_COLLECTION, cc: followers };
}

/**
 * Relays an activity to the members as `Announce(activity)`, the FEP-1b12
 * form threadiverse software reads. Returns the announce's id.
 */
export async function announceActivity(ctx: Ctx, community: Community, activity: Activity, orderingKey?: string): Promise<URL> {
  const announce = await announcement(ctx, community, activity);
  await toFollowers(ctx, community, announce, orderingKey);
  return announce.id!;
}

async function announcement(ctx: Ctx, community: Community, activity: Activity, claimed?: URL): Promise<Announce> {
  const id = claimed ?? await claimId(ctx, community, activity.id!.href, "announce");
  return plainAnnounce(new Announce({
    id,
    actor: ctx.getActorUri(community.slug),
    object: activity,
    published: now(),
    ...communityAddressing(ctx, community),
  }));
}

/**
 * Relays a new post: `Announce(create)` for threadiverse members and a boost
 * of the object for Mastodon-family ones, in one fan-out, both ordered by
 * the object so that a later Update or Delete never overtakes them.
 */
export async function relayPost(ctx: Ctx, community: Community, create: Activity, objectUri: URL): Promise<void> {
  const { fanout, repos } = ctx.data;
  let claimed: { activityUri: string }[] | null = null;
  if (fanout) {
    // The hot path: both activities prepared under fresh ids, then claimed
    // with their JSON in one statement, then sent.
    const items: RelayItem[] = [
      { activity: await announcement(ctx, community, create, activityUri(ctx, community)), orderingKey: objectUri.href },
      { activity: await boostOf(ctx, community, objectUri, activityUri(ctx, community)), orderingKey: objectUri.href },
    ];
    const prepared = await fanout.prepare(ctx, community, items);
    if (prepared) {
      const claims = await repos.activities.claimMany(community.id, [
        { sourceUri: create.id!.href, kind: "announce", activityUri: items[0].activity.id!.href, json: prepared.sent[0] },
        { sourceUri: objectUri.href, kind: "boost", activityUri: items[1].activity.id!.href, json: prepared.sent[1] },
      ]);
      if (claims.every((c) => c.created)) return fanout.send(prepared);
      // Relayed before (the Create is being handled again): sent below under the ids claimed then.
      claimed = claims;
    }
  }
  // Both ids claimed in one statement (unless the hot path found them claimed before).
  claimed ??= await repos.activities.claimMany(community.id, [
    { sourceUri: create.id!.href, kind: "announce", activityUri: activityUri(ctx, community).href },
    { sourceUri: objectUri.href, kind: "boost", activityUri: activityUri(ctx, community).href },
  ]);
  const [announceId, boostId] = claimed.map((c) => new URL(c.activityUri));
  const announce = await announcement(ctx, community, create, announceId);
  const boost = await boostOf(ctx, community, objectUri, boostId);
  await relayToFollowers(ctx, community, [
    { activity: announce, orderingKey: objectUri.href },
    { activity: boost, orderingKey: objectUri.href },
  ]);
}

/**
 * Boosts a post: `Announce(object id)`, which Mastodon-family members show
 * as a boost of the original (they re-fetch it by id).
 */
export async function boostObject(ctx: Ctx, community: Community, objectUri: URL, options: RelayOptions = {}): Promise<URL> {
  const boost = await boostOf(ctx, community, objectUri);
  await toFollowers(ctx, community, boost, objectUri.href, options);
  return boost.id!;
}

async function boostOf(ctx: Ctx, community: Community, objectUri: URL, claimed?: URL): Promise<Announce> {
  const id = claimed ?? await claimId(ctx, community, objectUri.href, "boost");
  return plainAnnounce(new Announce({
    id,
    actor: ctx.getActorUri(community.slug),
    object: objectUri,
    published: now(),
    ...communityAddressing(ctx, community),
  }));
}

/** Withdraws a boost with `Undo(Announce)`, if the community boosted the object. */
export async function withdrawBoost(ctx: Ctx, community: Community, objectUri: URL): Promise<boolean> {
  const boost = await ctx.data.repos.activities.find(community.id, objectUri.href, "boost");
  if (!boost) return false;
  const id = await claimId(ctx, community, objectUri.href, "undo-boost");
  const undo = new Undo({
    id,
    actor: ctx.getActorUri(community.slug),
    object: new Announce({
      id: new URL(boost.activityUri),
      actor: ctx.getActorUri(community.slug),
      object: objectUri,
      ...communityAddressing(ctx, community),
    }),
    ...communityAddressing(ctx, community),
  });
  await toFollowers(ctx, community, undo, objectUri.href);
  return true;
}

/** The minimal Follow Lemmy expects nested in Accept and Reject. */
function minimalFollow(follow: { id: string | null; actor: string; community: URL }): Follow {
  return new Follow({ id: follow.id ? new URL(follow.id) : null, actor: new URL(follow.actor), object: follow.community });
}

export interface FollowRequest {
  /** The Follow activity id, if known. */
  id: string | null;
  actor: string;
  recipient: Recipient;
}

export async function acceptFollow(ctx: Ctx, community: Community, follow: FollowRequest): Promise<void> {
  const communityUri = ctx.getActorUri(community.slug);
  const id = await claimId(ctx, community, follow.id ?? `${follow.actor}#follow`, "accept");
  const accept = new Accept({ id, actor: communityUri, object: minimalFollow({ ...follow, community: communityUri }) });
  await record(ctx, accept);
  await ctx.sendActivity({ identifier: community.slug }, follow.recipient, accept);
}

/** `reason`, when given, is told to the follower as the Reject's content and summary (plain text). */
export async function rejectFollow(ctx: Ctx, community: Community, follow: FollowRequest, reason?: string): Promise<void> {
  const communityUri = ctx.getActorUri(community.slug);
  const id = await claimId(ctx, community, follow.id ?? `${follow.actor}#follow`, "reject");
  const reject = new Reject({
    id, actor: communityUri, object: minimalFollow({ ...follow, community: communityUri }),
    ...(reason ? { summary: reason, content: reason } : {}),
  });
  await record(ctx, reject);
  await ctx.sendActivity({ identifier: community.slug }, follow.recipient, reject);
}

/** Tells the members the community's profile changed. */
export async function sendGroupUpdate(ctx: Ctx, community: Community, alsoTo: Recipient[] = []): Promise<void> {
  const group = buildGroup(ctx, community, await ctx.getActorKeyPairs(community.slug), await partOf(ctx, community));
  const update = new GroupUpdate({
    id: activityUri(ctx, community),
    actor: group.id,
    object: group,
    published: now(),
    ...communityAddressing(ctx, community),
  });
  // Carries postingRestrictedToMods, scale, stream and the link collections, as the actor document does.
  await GroupUpdate.withExtensions(update.id!, community, publicOrigin(ctx), async () => {
    await toFollowers(ctx, community, update);
    if (alsoTo.length > 0) await ctx.sendActivity({ identifier: community.slug }, alsoTo, update);
  });
}

/** Tells the members the community is gone. Sent before it becomes a tombstone. */
export async function sendGroupDelete(ctx: Ctx, community: Community): Promise<void> {
  const actor = ctx.getActorUri(community.slug);
  const del = new Delete({
    id: activityUri(ctx, community),
    actor,
    object: new Tombstone({ id: actor }),
    published: now(),
    ...communityAddressing(ctx, community),
  });
  await toFollowers(ctx, community, del);
}

