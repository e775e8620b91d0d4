// Content along the fractal network. A community follows its linked
// neighbours, so their announces arrive here: from a child they are rolled
// up (kept with provenance, shown as "From sub-communities", promoted only
// by a moderator or a rule), from a parent they cascade down to our own
// followers. Withdrawals (a Delete, an Undo of an announce) travel the same
// way, so deleting the original withdraws every announce of it; a neighbour
// may withdraw only what came through it, unless the post's own server says
// it is gone (withdrawFromNetwork).
import type { InboxContext } from "@fedify/fedify";
import {
  Activity, type Announce, Create, Delete, Hashtag, type Object as APObject,
} from "@fedify/vocab";
import { getLogger } from "@logtape/logtape";
import type { CommunityLinkRow } from "../../db/schema.ts";
import { decideIncomingAnnounce, matchesPromotionRule, normalizeTag } from "../../domain/network.ts";
import type { AppServices } from "../../services.ts";
import { isPublicVisibility } from "../../domain/addressing.ts";
import { localCommunityOf, visibilityOfObject } from "../addressing.ts";
import { NetworkReader } from "../network-reader.ts";
import { confirmLink, promote, withdrawFromNetwork } from "../network.ts";
import { boostObject } from "../outbound.ts";
import { embeddedOnly, typeOf, urlOf } from "../objects.ts";
import { mediaOf } from "../attachments.ts";
import { isoOf } from "../time.ts";
import { fetchAnnounced } from "./announced-objects.ts";
import { ignoring } from "./ignoring.ts";
import { isNetworkObject, receivePractice } from "./practice.ts";

const logger = getLogger(["praxis", "federation", "inbox", "network"]);

type Ctx = InboxContext<AppServices>;

/** The verified links of local communities with the announcing Group. */
async function activeLinksWith(ctx: Ctx, peerUri: string): Promise<CommunityLinkRow[]> {
  const { repos } = ctx.data;
  const out: CommunityLinkRow[] = [];
  for (const link of await repos.links.withPeer(peerUri)) {
    if (link.status === "active") {
      out.push(link);
    } else if (link.status === "accepted") {
      // Agreed but not yet confirmed: confirm now from the peer's own collection.
      const community = await repos.communities.findById(link.community_id);
      if (community && await confirmLink(ctx, community, link)) out.push({ ...link, status: "active" });
    }
  }
  return out;
}

async function hashtagsOf(object: APObject): Promise<string[]> {
  const tags: string[] = [];
  for await (const tag of object.getTags({ suppressError: true })) {
    if (tag instanceof Hashtag && tag.name) tags.push(normalizeTag(tag.name.toString()));
  }
  return tags;
}

/**
 * Whether a linked neighbour is closed, without a request per announce: a
 * local community's row, else the copy cached when the link was verified
 * (refreshed on the neighbour's every Update), else a fresh fetch.
 */
async function neighbourOf(ctx: Ctx, peerUri: string): Promise<{ closed: boolean } | null> {
  const local = await localCommunityOf(ctx, peerUri);
  if (local) return { closed: local.closed };
  const cached = await ctx.data.repos.networkNodes.get(peerUri);
  if (cached) return { closed: cached.closed === 1 };
  return new NetworkReader(ctx).node(peerUri);
}


export async function onNetworkAnnounce(ctx: Ctx, announce: Announce): Promise<void> {
  if (!announce.actorId || !announce.objectId) return ignoring(announce, "it has no actor or object");
  const peerUri = announce.actorId.href;
  const links = await activeLinksWith(ctx, peerUri);
  if (links.length === 0) return ignoring(announce, "{actor} is not linked to a community here", { actor: peerUri });

  // Only an embedded activity is read here, for its type and its object's
  // id: a boost names its object by id, and the object is fetched once,
  // below, from its own server. The activity is read even when it comes from
  // another origin (an author's Create or Delete relayed by the neighbour):
  // nothing it says is trusted beyond what the neighbour may say itself, and
  // Fedify would otherwise drop it and leave only its id, which most
  // servers do not serve (Fedify's, Lemmy's) and Mastodon serves as a Create.
  const inner = await announce.getObject({ documentLoader: embeddedOnly, contextLoader: ctx.contextLoader, crossOrigin: "trust" }).catch(() => null);
  let objectId: URL | null;
  if (inner instanceof Delete) {
    if (inner.objectId) await withdrawFromNetwork(ctx, inner.objectId.href, peerUri);
    return;
  } else if (inner instanceof Create) {
    objectId = inner.objectId;
  } else if (inner instanceof Activity) {
    // Edits, likes, undos and moderation stay in the thread's home community.
    return ignoring(announce, "announced {type} activities do not travel along links", { type: typeOf(inner) });
  } else if (inner !== null && !isNetworkObject(inner)) {
    // Lemmy's Lock, say, which JSON-LD reads as an object of no known type.
    return ignoring(announce, "it announces {type}, not a post", { type: typeOf(inner) });
  } else {
    objectId = announce.objectId;
  }
  if (!objectId) return ignoring(announce, "the announced Create has no object");
  const { repos } = ctx.data;
  // A post of every community linked to the announcer here came back along
  // the network (a parent promoted it): each ignores it as its own, so it is
  // not fetched. Its copy here is the one its author addressed to the
  // community, whose edits and practice marks its own server sends here.
  const homes = new Set((await repos.posts.findByObject(objectId.href)).map((p) => p.community_id));
  if (links.every((link) => homes.has(link.community_id))) {
    return ignoring(announce, "{object} is a post of the community here; it came back from {actor}", { object: objectId.href, actor: peerUri });
  }
  // The object as its own server serves it, never as the announce embeds it.
  const object = await fetchAnnounced(ctx, objectId.href);
  if (!isNetworkObject(object) || object.id?.href !== objectId.href) {
    logger.info("Ignoring announce {id}: {object} could not be fetched as a post", { id: announce.id?.href, object: objectId.href });
    return;
  }
  // The domain policy applies to the post's server and authors too, not only to the announcing Group.
  for (const uri of [objectId, ...object.attributionIds]) {
    if (!(await ctx.data.domainPolicy.allowsUri(uri))) {
      logger.info("Ignoring announce {id}: {uri} is on a host the domain policy refuses", { id: announce.id?.href, uri: uri.href });
      return;
    }
  }
  const announcer = await neighbourOf(ctx, peerUri);
  if (!announcer) return ignoring(announce, "{actor} could not be read as a Group", { actor: peerUri });
  const tags = await hashtagsOf(object);

  for (const link of links) {
    const community = await repos.communities.findById(link.community_id);
    if (!community || community.deletedAt) continue;
    const settings = await repos.links.settings(community.id);
    const decision = decideIncomingAnnounce({
      relation: link.relation,
      neighbourClosed: announcer.closed,
      receiverClosed: community.closed,
      // Decided by the object as its origin serves it, never by the
      // announce or the Create it may wrap.
      objectIsPublic: isPublicVisibility(visibilityOfObject(object)),
      objectIsReply: object.replyTargetId !== null,
      ownPost: homes.has(community.id),
      alreadyAnnounced: (await repos.activities.find(community.id, objectId.href, "boost")) !== null,
      alreadyHeld: (await repos.networkPosts.find(community.id, objectId.href)) !== null,
      cascadeEnabled: settings.cascade,
      matchesPromotionRule: matchesPromotionRule(tags, settings.promoteTags),
    });
    if (decision.action === "ignore") {
      logger.info("{community} ignores {object} from {peer}: {reason}", { community: community.slug, object: objectId.href, peer: peerUri, reason: decision.reason });
      continue;
    }
    const inserted = await repos.networkPosts.insertIfAbsent({
      communityId: community.id,
      objectUri: objectId.href,
      viaUri: peerUri,
      direction: decision.action === "roll-up" ? "up" : "down",
      // Its author as its own server names it: an attribution on another server is a claim it cannot make.
      authorUri: object.attributionIds.find((u) => u.origin === objectId.origin)?.href ?? null,
      name: object.name?.toString() ?? null,
      content: object.content?.toString() ?? null,
      url: urlOf(object),
      tags,
      published: isoOf(object.published),
      ...(await mediaOf(object)),
    });
    // A concurrent delivery of the same post (the announce of the activity
    // and of the object arrive together) already handled the roll-up.
    if (decision.action === "roll-up" && !inserted) continue;
    const held = (await repos.networkPosts.find(community.id, objectId.href))!;
    if (decision.action === "cascade") {
      // Not back to the parent it came from: it announced the post, holds it
      // and would only fetch it again to ignore it.
      await boostObject(ctx, community, objectId, { except: peerUri });
      logger.info("{community} cascaded {object} from its parent {peer}", { community: community.slug, object: objectId.href, peer: peerUri });
    } else if (decision.promote) {
      await promote(ctx, community, held);
      await repos.audit.record({ actor: "system:promotion-rule", action: "post.promote", communityId: community.id, target: objectId.href, details: { tags } });
    } else {
      logger.info("{community} rolled up {object} from {peer}", { community: community.slug, object: objectId.href, peer: peerUri });
    }
  }
  // A practice status it carries (a resource's, or a practice Note's).
  await receivePractice(ctx, links, peerUri, object);
}

/** A linked neighbour withdrew its announce of an object: withdraw ours. */
export async function onNetworkUndoAnnounce(ctx: Ctx, peerUri: string, inner: Announce): Promise<void> {
  if (!inner.objectId || inner.actorId?.href !== peerUri) return;
  const links = (await ctx.data.repos.links.withPeer(peerUri)).filter((l) => l.status === "active" || l.status === "accepted");
  if (links.length === 0) return;
  await withdrawFromNetwork(ctx, inner.objectId.href, peerUri);
}
