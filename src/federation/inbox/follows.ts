// Membership over ActivityPub: Follow joins (or asks to join) a community,
// Undo(Follow) leaves it.
import type { InboxContext } from "@fedify/fedify";
import { type Actor, type Follow, isActor } from "@fedify/vocab";
import type { Community } from "../../domain/community.ts";
import { mayFlow } from "../../domain/network.ts";
import { getLogger } from "@logtape/logtape";
import { decideFollow } from "../../domain/membership.ts";
import type { AppServices } from "../../services.ts";
import { localTargetResolver } from "../addressing.ts";
import { acceptFollow, rejectFollow } from "../outbound.ts";
import { rememberActor } from "../remote-actors.ts";
import { ignoring } from "./ignoring.ts";
import { decideCappedFollow } from "../../domain/working-groups.ts";

function archivedMessage(community: Community): string {
  return `${community.name} is an archived working group: it takes no new members.`;
}

/** An open community's answer to a newcomer: archived or full → Reject with the reason. */
async function capDecision(ctx: InboxContext<AppServices>, community: Community) {
  if (community.archivedAt) return { action: "reject" as const, reason: archivedMessage(community) };
  return decideCappedFollow({
    closed: false,
    maxMembers: community.maxMembers,
    members: community.maxMembers === null ? 0 : await ctx.data.repos.memberships.count(community.id, "accepted"),
    waiting: 0,
  });
}

const logger = getLogger(["praxis", "federation", "inbox"]);

export async function onFollow(ctx: InboxContext<AppServices>, follow: Follow): Promise<void> {
  if (!follow.objectId || !follow.actorId) return ignoring(follow, "it has no actor or object");
  const target = localTargetResolver(ctx)(follow.objectId.href);
  if (target?.kind !== "community") return ignoring(follow, "{object} is not a community here", { object: follow.objectId.href });
  const { repos } = ctx.data;
  const community = await repos.communities.findBySlug(target.slug);
  if (!community) return ignoring(follow, "community {slug} does not exist", { slug: target.slug });
  const follower = await follow.getActor(ctx);
  if (!follower || !isActor(follower) || follower.id?.href !== follow.actorId.href || !follower.inboxId) {
    logger.info("Ignoring Follow {id}: its actor could not be fetched or has no inbox", { id: follow.id?.href });
    return;
  }
  await rememberActor(repos.remoteActors, follower);
  const actorUri = follow.actorId.href;
  const link = await repos.links.get(community.id, actorUri);
  if (link && link.status !== "incoming" && !community.deletedAt) {
    await answerLinkedFollow(ctx, community, follow, follower, link.relation);
    return;
  }
  const outcome = decideFollow({
    closed: community.closed,
    deleted: community.deletedAt !== null,
    existing: await repos.memberships.status(community.id, actorUri),
    banned: await repos.bans.isBanned(community.id, actorUri),
  });
  if (outcome.action === "refuse") return ignoring(follow, "{community} has been deleted", { community: community.slug });
  if (outcome.action === "reject") {
    await rejectFollow(ctx, community, { id: follow.id?.href ?? null, actor: actorUri, recipient: follower });
    logger.info("Refused {actor}'s Follow of {community}: banned", { actor: actorUri, community: community.slug });
    return;
  }
  const request = { id: follow.id?.href ?? null, actor: actorUri, recipient: follower };
  if (outcome.action === "accept" && (await repos.memberships.status(community.id, actorUri)) !== "accepted") {
    // An archived working group takes no new members; the core group may be full.
    const cap = await capDecision(ctx, community);
    if (cap.action === "reject") {
      await rejectFollow(ctx, community, request, cap.reason);
      logger.info("Refused {actor}'s Follow of {community}: {reason}", { actor: actorUri, community: community.slug, reason: cap.reason });
      return;
    }
  } else if (outcome.action === "hold" && community.archivedAt) {
    await rejectFollow(ctx, community, request, archivedMessage(community));
    return;
  }
  // Lemmy and Mastodon put an optional note on a join request in `content`/`summary`.
  const message = follow.content?.toString() ?? follow.summary?.toString() ?? null;
  await repos.memberships.upsert(community.id, actorUri, outcome.status, follow.id?.href ?? null, message);
  if (outcome.action === "accept") {
    await acceptFollow(ctx, community, { id: follow.id?.href ?? null, actor: actorUri, recipient: follower });
    logger.info("{actor} joined {community}", { actor: actorUri, community: community.slug });
  } else {
    logger.info("{actor} asked to join closed community {community}", { actor: actorUri, community: community.slug });
  }
}

export async function onUndoFollow(ctx: InboxContext<AppServices>, actorUri: string, communityUri: string): Promise<void> {
  const target = localTargetResolver(ctx)(communityUri);
  const community = target?.kind === "community" ? await ctx.data.repos.communities.findBySlug(target.slug) : null;
  if (community && await ctx.data.repos.memberships.remove(community.id, actorUri)) {
    logger.info("{actor} left {community}", { actor: actorUri, community: community.slug });
  } else {
    logger.info("Ignoring {actor}'s Undo(Follow) of {object}: not a member of a community here", { actor: actorUri, object: communityUri });
  }
}

/**
 * A linked Group subscribes to our announces. It needs no moderator (the
 * link was approved), but a closed community's content never goes to a
 * public one.
 */
async function answerLinkedFollow(ctx: InboxContext<AppServices>, community: Community, follow: Follow, follower: Actor, relation: string): Promise<void> {
  const actorUri = follow.actorId!.href;
  const request = { id: follow.id?.href ?? null, actor: actorUri, recipient: follower };
  if (!mayFlow({ closed: community.closed }, { closed: follower.manuallyApprovesFollowers === true })) {
    await rejectFollow(ctx, community, request);
    logger.info("Closed {community} refused linked public {peer}'s subscription", { community: community.slug, peer: actorUri });
    return;
  }
  await ctx.data.repos.memberships.upsert(community.id, actorUri, "accepted", follow.id?.href ?? null, null);
  await acceptFollow(ctx, community, request);
  logger.info("Linked {relation} {peer} subscribed to {community}", { relation, peer: actorUri, community: community.slug });
}
