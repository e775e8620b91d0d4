// The life of a link in the fractal network, and what travels along it:
// checking a proposed link (cycles, depth), agreeing to it, confirming it
// from the peer's own collection, dropping it, promoting a rolled-up post,
// and withdrawing a post everywhere it went. Used by the inbox handlers and
// by the operator's commands alike.
import type { Context } from "@fedify/fedify";
import { Object as APObject, Tombstone } from "@fedify/vocab";
import { getLogger } from "@logtape/logtape";
import type { CommunityLinkRow, NetworkPostRow } from "../db/schema.ts";
import type { Community } from "../domain/community.ts";
import { decideLink, type LinkDecision, mayFlow } from "../domain/network.ts";
import type { AppServices } from "../services.ts";
import { INSTANCE_ACTOR } from "./addressing.ts";
import {
  acceptLinkRequest, announceLinkChange, followPeer, rejectLinkRequest, sendUnlink, unfollowPeer,
} from "./links.ts";
import { NetworkReader } from "./network-reader.ts";
import { boostObject, sendGroupUpdate, withdrawBoost } from "./outbound.ts";

const logger = getLogger(["praxis", "federation", "network"]);

type Ctx = Context<AppServices>;

/** Whether parent → child may be linked: no cycle, and within the depth cap. */
export async function checkLink(ctx: Ctx, reader: NetworkReader, parent: string, child: string): Promise<LinkDecision> {
  const maxDepth = ctx.data.config.network.maxDepth;
  const { all, height } = await reader.ancestors(parent, maxDepth + 1);
  const below = await reader.depthBelow(child, maxDepth + 1);
  return decideLink({ parent, child, ancestorsOfParent: all, heightAboveParent: height, depthBelowChild: below, maxDepth });
}

export function linkEnds(ctx: Ctx, community: Community, link: Pick<CommunityLinkRow, "peer_uri" | "relation">): { parent: string; child: string } {
  const us = ctx.getActorUri(community.slug).href;
  return link.relation === "parent" ? { parent: link.peer_uri, child: us } : { parent: us, child: link.peer_uri };
}

/** Whether the community subscribes to the peer's announces: only if the peer's content may reach it. */
async function shouldFollow(reader: NetworkReader, community: Community, peerUri: string): Promise<boolean> {
  const peer = await reader.node(peerUri);
  return !!peer && mayFlow({ closed: peer.closed }, { closed: community.closed });
}

/**
 * Agrees to a link the peer asked for: publishes it, answers Accept,
 * subscribes to the peer and tells followers. The link becomes active once
 * the peer's own collection lists it too (on its Update or its content).
 */
export async function agreeToLink(ctx: Ctx, community: Community, link: CommunityLinkRow): Promise<void> {
  const { repos } = ctx.data;
  await repos.links.setStatus(link.id, "accepted");
  await acceptLinkRequest(ctx, community, link);
  const reader = new NetworkReader(ctx, community.slug);
  if (await shouldFollow(reader, community, link.peer_uri)) await followPeer(ctx, community, link);
  await announceLinkChange(ctx, community, link.peer_uri);
  logger.info("{community} agreed to a link with {peer} ({relation})", { community: community.slug, peer: link.peer_uri, relation: link.relation });
}

export async function declineLink(ctx: Ctx, community: Community, link: CommunityLinkRow, reason: string): Promise<void> {
  await rejectLinkRequest(ctx, community, link, reason);
  await ctx.data.repos.links.remove(link.id);
}

/**
 * Confirms a link we agreed to: active only once the peer's collection,
 * fetched from its origin, lists it as well. Returns whether it is active.
 */
export async function confirmLink(ctx: Ctx, community: Community, link: CommunityLinkRow, reader = new NetworkReader(ctx, community.slug)): Promise<boolean> {
  const { parent, child } = linkEnds(ctx, community, link);
  const both = await reader.linked(parent, child);
  if (both && link.status !== "active") {
    await ctx.data.repos.links.setStatus(link.id, "active", true);
    logger.info("Link {parent} → {child} is verified and active", { parent, child });
    // The profile's "Part of" field lists verified parents only.
    if (link.relation === "parent") await sendGroupUpdate(ctx, community);
  } else if (!both && link.status === "active") {
    // The peer no longer lists it: nothing flows until it does again.
    await ctx.data.repos.links.setStatus(link.id, "accepted");
    logger.info("Link {parent} → {child} is no longer listed by both sides", { parent, child });
  }
  return both;
}

/** The peer accepted our request: publish, confirm, subscribe, tell followers. */
export async function onLinkAccepted(ctx: Ctx, community: Community, link: CommunityLinkRow): Promise<void> {
  await ctx.data.repos.links.setStatus(link.id, "accepted");
  const reader = new NetworkReader(ctx, community.slug);
  await confirmLink(ctx, community, { ...link, status: "accepted" }, reader);
  if (await shouldFollow(reader, community, link.peer_uri)) await followPeer(ctx, community, link);
  await announceLinkChange(ctx, community, link.peer_uri);
}

/** Unlinks: tells the peer (unless it is the one who unlinked), unsubscribes, tells followers. */
export async function dropLink(ctx: Ctx, community: Community, link: CommunityLinkRow, opts: { notifyPeer: boolean }): Promise<void> {
  await ctx.data.repos.links.remove(link.id);
  if (link.status === "accepted" || link.status === "active") {
    if (opts.notifyPeer) await sendUnlink(ctx, community, link);
    await unfollowPeer(ctx, community, link).catch((e) => logger.info("Could not unfollow {peer}: {error}", { peer: link.peer_uri, error: (e as Error).message }));
    await announceLinkChange(ctx, community, link.peer_uri).catch(() => {});
  } else if (link.status === "outgoing" && opts.notifyPeer) {
    // A request withdrawn before the peer answered.
    await sendUnlink(ctx, community, link).catch(() => {});
  }
  logger.info("{community} unlinked from {peer}", { community: community.slug, peer: link.peer_uri });
}

/**
 * Announces a post from the network to the community's followers (at most
 * once, ever). Not back to the neighbour it came through: that community
 * announced the post to us (its own post, or one it promoted), so it would
 * only receive it to ignore it (decideIncomingAnnounce: own post, or already
 * announced).
 */
export async function promote(ctx: Ctx, community: Community, post: NetworkPostRow): Promise<void> {
  await boostObject(ctx, community, new URL(post.object_uri), { except: post.via_uri });
  await ctx.data.repos.networkPosts.markPromoted(post.id);
  logger.info("{community} promoted {object}", { community: community.slug, object: post.object_uri });
}

/**
 * Whether the object's own server says it is gone: 404 or 410, or a
 * Tombstone under the object's id. Fetched afresh (signed by the instance
 * actor, never from a cache); a live object, an error or a timeout all mean
 * "not gone".
 */
export async function goneAtOrigin(ctx: Ctx, objectUri: string): Promise<boolean> {
  try {
    const load = await ctx.getDocumentLoader({ identifier: INSTANCE_ACTOR });
    const { document, documentUrl } = await load(objectUri);
    if (new URL(documentUrl).origin !== new URL(objectUri).origin) return false;
    const object = await APObject.fromJsonLd(document, { documentLoader: load, contextLoader: ctx.contextLoader });
    return object instanceof Tombstone && object.id?.href === objectUri;
  } catch (e) {
    const status = (e as { response?: Response }).response?.status;
    return status === 404 || status === 410;
  }
}

/**
 * A post was deleted or withdrawn upstream: forget it in the local
 * communities linked to `fromPeer` and undo their announces of it, which
 * carries the withdrawal on along the chain. A neighbour may only withdraw
 * what reached us through it (`network_posts.via_uri`); a post that came
 * through another link is withdrawn only if its own server says it is gone.
 */
export async function withdrawFromNetwork(ctx: Ctx, objectUri: string, fromPeer: string): Promise<number> {
  const { repos } = ctx.data;
  const linkedTo = new Set((await repos.links.withPeer(fromPeer)).map((l) => l.community_id));
  const held = (await repos.networkPosts.byObject(objectUri)).filter((p) => linkedTo.has(p.community_id) && !p.withdrawn_at);
  let gone: boolean | null = null;
  let n = 0;
  for (const post of held) {
    if (post.via_uri !== fromPeer) {
      gone ??= await goneAtOrigin(ctx, objectUri);
      if (!gone) {
        logger.info("{peer} may not withdraw {object}: it came through {via} and its server still serves it", { peer: fromPeer, object: objectUri, via: post.via_uri });
        continue;
      }
    }
    const community = await repos.communities.findById(post.community_id);
    if (!community) continue;
    await repos.networkPosts.markWithdrawn(post.id);
    if (await withdrawBoost(ctx, community, new URL(objectUri))) n++;
    logger.info("{community} withdrew {object} from its network", { community: community.slug, object: objectUri });
  }
  return n;
}
