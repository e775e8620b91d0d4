// Link management over ActivityPub (see FEDERATION.md, "The fractal
// network"): Add asks for a link, Accept/Reject answer it, Remove ends it,
// Update(Group) makes us re-read the peer's collections. Link activities are
// accepted only from the Group itself, about itself.
import type { InboxContext } from "@fedify/fedify";
import { type Accept, type Add, Group, type Reject, type Remove } from "@fedify/vocab";
import { getLogger } from "@logtape/logtape";
import type { LinkRelation } from "../../db/schema.ts";
import type { Community } from "../../domain/community.ts";
import { isAutoApproved } from "../../domain/network.ts";
import type { AppServices } from "../../services.ts";
import { rejectLinkRequest } from "../links.ts";
import { NetworkReader } from "../network-reader.ts";
import { agreeToLink, checkLink, confirmLink, dropLink, linkEnds, onLinkAccepted } from "../network.ts";
import { isLocalUri } from "../origin.ts";
import { ignoring } from "./ignoring.ts";

const logger = getLogger(["praxis", "federation", "inbox", "links"]);

type Ctx = InboxContext<AppServices>;

const LINK_COLLECTION = /^\/c\/([^/]+)\/(parents|subcommunities)$/;

/** Which local community's link collection a URI is, and the relation it implies for the peer. */
async function ourLinkCollection(ctx: Ctx, uri: URL | null): Promise<{ community: Community; relation: LinkRelation } | null> {
  if (!uri || !isLocalUri(ctx, uri)) return null;
  const m = LINK_COLLECTION.exec(uri.pathname);
  if (!m) return null;
  const community = await ctx.data.repos.communities.findBySlug(decodeURIComponent(m[1]));
  if (!community || community.deletedAt) return null;
  // Adding to our subcommunities makes the peer our child; to our parents, our parent.
  return { community, relation: m[2] === "subcommunities" ? "child" : "parent" };
}

export async function onAdd(ctx: Ctx, add: Add): Promise<void> {
  const target = await ourLinkCollection(ctx, add.targetId);
  if (!target || !add.id || !add.actorId) {
    return ignoring(add, "its target {target} is not a link collection here", { target: add.targetId?.href ?? "(none)" });
  }
  const { community, relation } = target;
  const peerUri = add.actorId.href;
  const refuse = (why: string) => logger.info("Refused link request {id} to {community}: {why}", { id: add.id?.href, community: community.slug, why });
  if (add.objectId?.href !== peerUri) return refuse("a Group may only add itself");
  const actor = await add.getActor(ctx).catch(() => null);
  if (!(actor instanceof Group) || actor.id?.href !== peerUri) return refuse("the actor is not a Group");
  const { repos, config } = ctx.data;

  const existing = await repos.links.get(community.id, peerUri);
  if (existing && existing.relation !== relation) return refuse("the two communities are already linked the other way round");
  if (existing && (existing.status === "accepted" || existing.status === "active")) {
    // A repeated request (the peer lost our answer): answer again.
    await agreeToLink(ctx, community, { ...existing, request_uri: add.id.href });
    return;
  }
  const link = await repos.links.put({
    communityId: community.id, peerUri, relation, status: "incoming", initiator: "remote", requestUri: add.id.href,
  });
  const { parent, child } = linkEnds(ctx, community, link);
  const decision = await checkLink(ctx, new NetworkReader(ctx, community.slug), parent, child);
  if (!decision.ok) {
    await rejectLinkRequest(ctx, community, link, decision.message);
    await repos.links.remove(link.id);
    await repos.audit.record({ actor: peerUri, action: "link.refused", communityId: community.id, target: peerUri, details: { reason: decision.reason } });
    return refuse(decision.message);
  }
  const settings = await repos.links.settings(community.id);
  // Both asked for the same link at once, or the operator trusts the peer.
  if (existing?.status === "outgoing" || isAutoApproved(peerUri, [...config.network.autoApprove, ...settings.autoApprove])) {
    await agreeToLink(ctx, community, link);
    await repos.audit.record({ actor: "system:auto-approve", action: "link.approve", communityId: community.id, target: peerUri, details: { relation } });
    return;
  }
  await repos.audit.record({ actor: peerUri, action: "link.request", communityId: community.id, target: peerUri, details: { relation } });
  logger.info("{peer} asks to link with {community} as its {relation}", { peer: peerUri, community: community.slug, relation });
}

/** Accept or Reject of one of our link requests (answers to our Follows need nothing). */
export async function onLinkAnswer(ctx: Ctx, answer: Accept | Reject, accepted: boolean): Promise<void> {
  if (!answer.actorId || !answer.objectId) return ignoring(answer, "it has no actor or object");
  const { repos } = ctx.data;
  const links = (await repos.links.byRequest(answer.objectId.href))
    .filter((l) => l.peer_uri === answer.actorId!.href && l.status === "outgoing" && l.initiator === "local");
  // Answers to a community's Follow of a linked Group need nothing.
  if (links.length === 0) return ignoring(answer, "it answers no pending link request (an answer to a Follow needs nothing)");
  for (const link of links) {
    const community = await repos.communities.findById(link.community_id);
    if (!community || community.deletedAt) continue;
    if (accepted) {
      await onLinkAccepted(ctx, community, link);
    } else {
      await repos.links.remove(link.id);
      logger.info("{peer} declined the link with {community}: {reason}", { peer: link.peer_uri, community: community.slug, reason: answer.summary?.toString() ?? "" });
    }
    await repos.audit.record({ actor: link.peer_uri, action: accepted ? "link.accepted" : "link.declined", communityId: community.id, target: link.peer_uri });
  }
}

/** The peer unlinked: `Remove { object: us, target: its collection }` (or our collection, or itself). */
export async function onRemove(ctx: Ctx, remove: Remove): Promise<void> {
  if (!remove.actorId) return ignoring(remove, "it has no actor");
  const peerUri = remove.actorId.href;
  const { repos } = ctx.data;
  const mentioned = new Set([remove.objectId?.href, remove.targetId?.href].filter((u): u is string => !!u));
  const links = await repos.links.withPeer(peerUri);
  if (links.length === 0) return ignoring(remove, "its actor is linked to no community here");
  for (const link of links) {
    const community = await repos.communities.findById(link.community_id);
    if (!community) continue;
    const us = ctx.getActorUri(community.slug).href;
    const ours = await ourLinkCollection(ctx, remove.targetId);
    if (!mentioned.has(us) && ours?.community.id !== community.id) continue;
    await dropLink(ctx, community, link, { notifyPeer: false });
    await repos.audit.record({ actor: peerUri, action: "link.removed", communityId: community.id, target: peerUri });
  }
}

/** A linked Group changed: re-read its collections and confirm or suspend our links. */
export async function onGroupUpdate(ctx: Ctx, groupUri: string): Promise<void> {
  const { repos } = ctx.data;
  const links = (await repos.links.withPeer(groupUri)).filter((l) => l.status === "accepted" || l.status === "active");
  if (links.length === 0) {
    if (await repos.networkNodes.get(groupUri)) await new NetworkReader(ctx).node(groupUri);
    else logger.info("Ignoring the Update of {actor}: not linked to a community here", { actor: groupUri });
    return;
  }
  for (const link of links) {
    const community = await repos.communities.findById(link.community_id);
    if (!community || community.deletedAt) continue;
    await confirmLink(ctx, community, link);
  }
}
