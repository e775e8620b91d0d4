// Moderation over ActivityPub, in the shapes Lemmy 0.19 reads (its
// assets/lemmy/activities/{deletion,block,community}/*.json): removals are a
// `Delete` with a `summary`, bans a `Block` with `target` = the community,
// pins `Add`/`Remove` with `target` = the featured collection, locks Lemmy's
// `Lock`. Each is sent by the instance's moderation actor and announced by
// the community to its members (FEP-1b12), as Lemmy does.
//
// Why a separate actor: Lemmy only accepts these activities from a Person,
// Service or Organization (never a Group), and trusts a moderation actor on
// the community's own domain as an admin (verify_mod_action). Praxis's
// moderators are accounts whose linked fediverse actors live elsewhere and
// cannot sign for us, so one `Service` actor speaks for all of them.
import type { Context } from "@fedify/fedify";
import {
  type Activity, Add, Block, Delete, Endpoints, Flag, type Recipient, Remove, Service, Undo,
} from "@fedify/vocab";
import type { Community } from "../domain/community.ts";
import type { PostRow } from "../db/schema.ts";
import type { AppServices } from "../services.ts";
import { INSTANCE_ACTOR } from "./addressing.ts";
import { LemmyAnnounce, LemmyUndo, Lock } from "./lemmy-vocab.ts";
import { activityUri, boostObject, claimId, communityAddressing, record, toFollowers, withdrawBoost } from "./outbound.ts";
import { textToHtml } from "./text.ts";
import { instant, now } from "./time.ts";
import { publicOrigin } from "./origin.ts";

type Ctx = Context<AppServices>;

/** The moderation actor's identifier; slugs cannot contain dots, so it never names a community. */
export const MODERATION_ACTOR = "moderation.actor";
/** Its fixed path (`https://HOST/actor/moderation`). */
export const MODERATION_ACTOR_PATH = "/actor/moderation";
/** Its outbox, outside the communities' /c/ space like the actor itself (served by the web layer, empty). */
export const MODERATION_OUTBOX_PATH = `${MODERATION_ACTOR_PATH}/outbox`;
/** Its keys are stored under this owner. */
export const MODERATION_KEY_OWNER = "moderation";

export function moderationActorUri(ctx: Ctx): URL {
  return ctx.getActorUri(MODERATION_ACTOR);
}

export function buildModerationActor(ctx: Ctx, keys: Awaited<ReturnType<Ctx["getActorKeyPairs"]>>): Service {
  return new Service({
    id: moderationActorUri(ctx),
    preferredUsername: MODERATION_ACTOR,
    name: `${ctx.data.config.instanceName} moderators`,
    summary: textToHtml("Sends the moderation decisions of this server's communities (removals, bans, pins, locks)."),
    url: new URL("/", publicOrigin(ctx)),
    // The shared inbox: Fedify's inbox template is the communities'.
    inbox: ctx.getInboxUri(),
    outbox: new URL(MODERATION_OUTBOX_PATH, publicOrigin(ctx)),
    endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
    publicKey: keys[0]?.cryptographicKey,
    assertionMethods: keys.map((k) => k.multikey),
    manuallyApprovesFollowers: true,
    discoverable: false,
    published: instant("2020-01-01T00:00:00Z"),
  });
}

/**
 * Lemmy's addressing of an activity in a community: Public (a closed
 * community's followers instead), cc and audience the Group.
 */
function inCommunity(ctx: Ctx, community: Community) {
  const group = ctx.getActorUri(community.slug);
  return { to: communityAddressing(ctx, community).to, cc: group, audience: group };
}

/**
 * The community announces a moderation activity to its members (what
 * FEP-1b12 receivers check before applying it). Fresh ids each time: the
 * same action may be taken, undone and taken again.
 */
async function announceModeration(ctx: Ctx, community: Community, activity: Activity, orderingKey?: string): Promise<URL> {
  const id = await claimId(ctx, community, activity.id!.href, "announce");
  const group = ctx.getActorUri(community.slug);
  const announce = new LemmyAnnounce({
    id,
    actor: group,
    object: activity,
    published: now(),
    ...communityAddressing(ctx, community),
  });
  await record(ctx, announce);
  // No fan-out task: Fedify's fan-out worker re-parses the activity, and its
  // vocabulary refuses Lemmy's Lock; per-inbox messages carry the JSON as is.
  await ctx.sendActivity({ identifier: community.slug }, "followers", announce, {
    preferSharedInbox: true, fanout: "skip", ...(orderingKey ? { orderingKey } : {}),
  });
  return id;
}

/**
 * A moderator removes a post: threadiverse members get
 * `Announce(Delete{summary: reason})` (Lemmy's "remove"), Mastodon-family
 * members `Undo(Announce)` of the community's boost.
 */
export async function sendPostRemoval(ctx: Ctx, community: Community, post: PostRow, reason: string | null): Promise<void> {
  const del = new Delete({
    id: activityUri(ctx, community),
    actor: moderationActorUri(ctx),
    object: new URL(post.object_uri),
    // Lemmy tells a removal from an author's deletion by the presence of summary.
    summary: reason ?? "",
    published: now(),
    ...inCommunity(ctx, community),
  });
  await announceModeration(ctx, community, del, post.object_uri);
  await withdrawBoost(ctx, community, new URL(post.object_uri));
}

/** Undoes a removal (`Announce(Undo(Delete))`) and boosts the post again. */
export async function sendPostRestore(ctx: Ctx, community: Community, post: PostRow): Promise<void> {
  const mod = moderationActorUri(ctx);
  const undo = new Undo({
    id: activityUri(ctx, community),
    actor: mod,
    object: new Delete({ id: activityUri(ctx, community), actor: mod, object: new URL(post.object_uri), summary: "", ...inCommunity(ctx, community) }),
    published: now(),
    ...inCommunity(ctx, community),
  });
  await announceModeration(ctx, community, undo, post.object_uri);
  // A new boost, with a new id: receivers (Fedify's among them) ignore an
  // activity id they have already seen, and the old boost was undone.
  await ctx.data.repos.activities.retire(community.id, post.object_uri, ["boost", "undo-boost"]);
  await boostObject(ctx, community, new URL(post.object_uri));
}

export interface BanTarget {
  actorUri: string;
  /** Where to deliver the Block itself; null when the actor's inbox is unknown. */
  recipient: Recipient | null;
}

function banBlock(ctx: Ctx, community: Community, target: string, reason: string | null, expiresAt: string | null, id?: URL): Block {
  return new Block({
    id: id ?? activityUri(ctx, community),
    actor: moderationActorUri(ctx),
    object: new URL(target),
    target: ctx.getActorUri(community.slug),
    summary: reason,
    endTime: expiresAt ? instant(expiresAt) : null,
    published: now(),
    ...inCommunity(ctx, community),
  });
}

/**
 * Federates a ban: `Announce(Block)` to the members (Lemmy applies it) and the
 * `Block` itself to the banned actor. Returns the Block's id.
 */
export async function sendBan(ctx: Ctx, community: Community, target: BanTarget, reason: string | null, expiresAt: string | null): Promise<URL> {
  const block = banBlock(ctx, community, target.actorUri, reason, expiresAt);
  await announceModeration(ctx, community, block);
  if (target.recipient) await ctx.sendActivity({ identifier: MODERATION_ACTOR }, target.recipient, block);
  return block.id!;
}

/** Lifts a ban with `Undo(Block)`, to the same audience. */
export async function sendUnban(ctx: Ctx, community: Community, target: BanTarget, ban: { blockUri: string | null; reason: string | null; expiresAt: string | null }): Promise<void> {
  const undo = new Undo({
    id: activityUri(ctx, community),
    actor: moderationActorUri(ctx),
    object: banBlock(ctx, community, target.actorUri, ban.reason, ban.expiresAt, ban.blockUri ? new URL(ban.blockUri) : undefined),
    published: now(),
    ...inCommunity(ctx, community),
  });
  await announceModeration(ctx, community, undo);
  if (target.recipient) await ctx.sendActivity({ identifier: MODERATION_ACTOR }, target.recipient, undo);
}

/**
 * Pins or unpins: `Add`/`Remove { object: post, target: <featured> }` from
 * the moderation actor, announced (what Lemmy applies), and the plain
 * `Add`/`Remove` from the Group itself, as Mastodon sends its own pins
 * (what Mastodon-family members read; they drop an Announce of an Add).
 */
export async function sendFeatured(ctx: Ctx, community: Community, post: PostRow, pinned: boolean): Promise<void> {
  const values = {
    id: activityUri(ctx, community),
    actor: moderationActorUri(ctx),
    object: new URL(post.object_uri),
    target: ctx.getFeaturedUri(community.slug),
    published: now(),
    ...inCommunity(ctx, community),
  };
  const activity = pinned ? new Add(values) : new Remove(values);
  await announceModeration(ctx, community, activity, post.object_uri);
  const own = { ...values, id: activityUri(ctx, community), actor: ctx.getActorUri(community.slug), audience: null, ...communityAddressing(ctx, community) };
  // Claimed under its own id, so that it is recorded and dereferenceable.
  await ctx.data.repos.activities.claim(community.id, own.id.href, pinned ? "feature" : "unfeature", own.id.href);
  await toFollowers(ctx, community, pinned ? new Add(own) : new Remove(own), post.object_uri);
}

/** Locks or unlocks a thread: Lemmy's `Lock` or `Undo(Lock)`, announced. */
export async function sendLock(ctx: Ctx, community: Community, post: PostRow, locked: boolean, reason: string | null): Promise<void> {
  const mod = moderationActorUri(ctx);
  const lock = new Lock({
    id: activityUri(ctx, community),
    actor: mod,
    object: new URL(post.object_uri),
    summary: reason,
    published: now(),
    ...inCommunity(ctx, community),
  });
  const activity = locked ? lock : new LemmyUndo({
    id: activityUri(ctx, community),
    actor: mod,
    object: lock,
    published: now(),
    ...inCommunity(ctx, community),
  });
  await announceModeration(ctx, community, activity, post.object_uri);
}

/**
 * Forwards a report to a remote server as Mastodon does: a `Flag` from the
 * instance actor (the reporter stays anonymous) listing the reported objects.
 */
export async function sendReportForward(ctx: Ctx, reportId: string, recipient: Recipient, objects: string[], comment: string): Promise<URL> {
  const flag = new Flag({
    id: new URL(`/reports/${reportId}/forwards/${crypto.randomUUID()}`, publicOrigin(ctx)),
    actor: ctx.getActorUri(INSTANCE_ACTOR),
    objects: objects.map((o) => new URL(o)),
    content: comment,
    to: recipient.id ?? null,
  });
  await ctx.sendActivity({ identifier: INSTANCE_ACTOR }, recipient, flag, { preferSharedInbox: true });
  return flag.id!;
}
