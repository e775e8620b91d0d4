// Moderators' and operators' actions on the fractal network: ask for and
// answer links, unlink, promote rolled-up posts, tune cascade and
// auto-approval, and read the tree. Shared by the CLI and the admin API.
import { isActor } from "@fedify/vocab";
import type { LinkSettings } from "../db/repositories/links.ts";
import type { CommunityLinkRow, LinkRelation } from "../db/schema.ts";
import type { Community } from "../domain/community.ts";
import { ValidationError } from "../domain/community.ts";
import { decidePromotion, normalizeTag } from "../domain/network.ts";
import { PeerUnreachableError, requestUri, sendLinkRequest } from "../federation/links.ts";
import { type NetworkNode, NetworkReader, type TreeNode } from "../federation/network-reader.ts";
import { agreeToLink, checkLink, declineLink, dropLink, linkEnds, promote } from "../federation/network.ts";
import { contextOf, getCommunity, NotFoundError, type Operations } from "./communities.ts";
import { holdLocalChildResource, localResourceOf } from "./resources.ts";

/** Who did it, for the audit log ("cli:<user>", "account:<name>"). */
export type Actor = string;

/** Resolves `@slug@host`, `slug@host` or a URI to a Group's actor URI. */
export async function resolveGroup(ops: Operations, ref: string): Promise<string> {
  const ctx = contextOf(ops);
  if (/^https?:\/\//.test(ref)) {
    try {
      return new URL(ref).href;
    } catch {
      throw new ValidationError("community", `"${ref}" is not a valid URI`);
    }
  }
  const m = /^@?([^@\s]+)@([^@\s]+)$/.exec(ref);
  if (!m) throw new ValidationError("community", `"${ref}" is neither a Group URI nor a handle like @slug@host`);
  if (m[2].toLowerCase() === new URL(ops.services.config.origin).host.toLowerCase()) {
    const local = await ops.services.repos.communities.findBySlug(m[1]);
    if (!local || local.deletedAt) throw new NotFoundError(`No community "${m[1]}" on this server`);
    return ctx.getActorUri(local.slug).href;
  }
  const actor = await ctx.lookupObject(`@${m[1]}@${m[2]}`).catch(() => null);
  if (!actor || !isActor(actor) || !actor.id) throw new PeerUnreachableError(`${ref} could not be found (WebFinger or actor fetch failed)`);
  return actor.id.href;
}

async function requireNode(reader: NetworkReader, uri: string, ref: string): Promise<NetworkNode> {
  const node = await reader.node(uri);
  if (!node) throw new PeerUnreachableError(`${ref} could not be fetched as a Group`);
  return node;
}

async function ask(ops: Operations, slug: string, ref: string, relation: LinkRelation, actor: Actor): Promise<CommunityLinkRow> {
  const ctx = contextOf(ops);
  const { repos } = ops.services;
  const community = await getCommunity(ops, slug);
  const peerUri = await resolveGroup(ops, ref);
  const reader = new NetworkReader(ctx, community.slug);
  const peer = await requireNode(reader, peerUri, ref);
  // Asking to be a child goes to the peer's subcommunities; inviting a child, to its parentCommunities.
  const target = relation === "parent" ? peer.childrenCollection : peer.parentsCollection;
  if (!target) throw new ValidationError("community", `${ref} does not publish Praxis link collections; it cannot be linked`);
  const existing = await repos.links.get(community.id, peerUri);
  if (existing) throw new ValidationError("community", `${slug} is already linked to ${ref} (${existing.relation}, ${existing.status})`);
  const { parent, child } = linkEnds(ctx, community, { peer_uri: peerUri, relation });
  const decision = await checkLink(ctx, reader, parent, child);
  if (!decision.ok) throw new ValidationError("community", decision.message);
  const link = await repos.links.put({
    communityId: community.id, peerUri, relation, status: "outgoing", initiator: "local",
    requestUri: requestUri(ctx, community, crypto.randomUUID()).href,
  });
  await sendLinkRequest(ctx, community, link, target);
  await repos.audit.record({ actor, action: relation === "parent" ? "link.request" : "link.invite", communityId: community.id, target: peerUri });
  return link;
}

/** The child asks the parent: `praxis link request <child> --parent <ref>`. */
export function requestParent(ops: Operations, childSlug: string, parentRef: string, actor: Actor) {
  return ask(ops, childSlug, parentRef, "parent", actor);
}

/** The parent invites the child: `praxis link invite <parent> --child <ref>`. */
export function inviteChild(ops: Operations, parentSlug: string, childRef: string, actor: Actor) {
  return ask(ops, parentSlug, childRef, "child", actor);
}

export interface LinkView {
  id: string;
  peer: string;
  handle: string | null;
  name: string | null;
  /** What the peer is to this community. */
  relation: LinkRelation;
  status: CommunityLinkRow["status"];
  initiator: CommunityLinkRow["initiator"];
  requestedAt: string;
  verifiedAt: string | null;
}

async function view(ops: Operations, link: CommunityLinkRow): Promise<LinkView> {
  const { repos } = ops.services;
  let node: { handle: string | null; name: string | null } | null = await repos.networkNodes.get(link.peer_uri);
  if (!node) {
    const local = await new NetworkReader(contextOf(ops)).localCommunity(link.peer_uri);
    node = local ? { handle: `@${local.slug}@${new URL(ops.services.config.origin).host}`, name: local.name } : null;
  }
  return {
    id: link.id, peer: link.peer_uri, handle: node?.handle ?? null, name: node?.name ?? null, relation: link.relation,
    status: link.status, initiator: link.initiator, requestedAt: link.created_at, verifiedAt: link.verified_at,
  };
}

export async function listLinks(ops: Operations, slug: string): Promise<LinkView[]> {
  const community = await getCommunity(ops, slug);
  return Promise.all((await ops.services.repos.links.list(community.id)).map((l) => view(ops, l)));
}

/** Requests waiting for this community's moderators, and its own requests still unanswered. */
export async function listRequests(ops: Operations, slug: string): Promise<LinkView[]> {
  const community = await getCommunity(ops, slug);
  const rows = await ops.services.repos.links.list(community.id, { statuses: ["incoming", "outgoing"] });
  return Promise.all(rows.map((l) => view(ops, l)));
}

async function findRequest(ops: Operations, community: Community, id: string): Promise<CommunityLinkRow> {
  const rows = (await ops.services.repos.links.list(community.id, { statuses: ["incoming"] }))
    .filter((l) => l.id === id || (id.length >= 6 && l.id.startsWith(id)));
  if (rows.length === 0) throw new NotFoundError(`No pending link request ${id} for ${community.slug} (see: praxis link requests ${community.slug})`);
  if (rows.length > 1) throw new ValidationError("request-id", `"${id}" matches several requests; give more of the id`);
  return rows[0];
}

export async function approveLink(ops: Operations, slug: string, id: string, actor: Actor): Promise<LinkView> {
  const ctx = contextOf(ops);
  const community = await getCommunity(ops, slug);
  const link = await findRequest(ops, community, id);
  // The network may have changed since the request came in.
  const { parent, child } = linkEnds(ctx, community, link);
  const decision = await checkLink(ctx, new NetworkReader(ctx, community.slug), parent, child);
  if (!decision.ok) {
    await declineLink(ctx, community, link, decision.message);
    throw new ValidationError("request-id", `declined instead: ${decision.message}`);
  }
  await agreeToLink(ctx, community, link);
  await ops.services.repos.audit.record({ actor, action: "link.approve", communityId: community.id, target: link.peer_uri, details: { relation: link.relation } });
  return view(ops, { ...link, status: "accepted" });
}

export async function declineLinkRequest(ops: Operations, slug: string, id: string, actor: Actor, reason = "declined by a moderator"): Promise<LinkView> {
  const community = await getCommunity(ops, slug);
  const link = await findRequest(ops, community, id);
  await declineLink(contextOf(ops), community, link, reason);
  await ops.services.repos.audit.record({ actor, action: "link.decline", communityId: community.id, target: link.peer_uri });
  return view(ops, link);
}

export async function removeLink(ops: Operations, slug: string, ref: string, actor: Actor): Promise<LinkView> {
  const community = await getCommunity(ops, slug);
  const peerUri = await resolveGroup(ops, ref);
  const link = await ops.services.repos.links.get(community.id, peerUri);
  if (!link) throw new NotFoundError(`${slug} is not linked to ${ref}`);
  await dropLink(contextOf(ops), community, link, { notifyPeer: true });
  await ops.services.repos.audit.record({ actor, action: "link.remove", communityId: community.id, target: peerUri });
  return view(ops, link);
}

/** A moderator announces a rolled-up post to the community's followers. */
export async function promotePost(ops: Operations, slug: string, objectUri: string, actor: Actor): Promise<void> {
  const community = await getCommunity(ops, slug);
  const { repos } = ops.services;
  // A resource of a sub-community on this server may be promoted by its URI (src/operations/resources.ts).
  const post = await repos.networkPosts.find(community.id, objectUri) ?? await holdLocalChildResource(ops, community, objectUri);
  const decision = decidePromotion({
    held: post !== null && post.direction === "up",
    withdrawn: post?.withdrawn_at != null,
    alreadyAnnounced: (await repos.activities.find(community.id, objectUri, "boost")) !== null,
    ownPost: (await repos.posts.findByObject(objectUri)).some((p) => p.community_id === community.id)
      || (await localResourceOf(ops, objectUri))?.community.id === community.id,
  });
  if (!decision.ok) throw new ValidationError("object-uri", decision.message);
  await promote(contextOf(ops), community, post!);
  await repos.audit.record({ actor, action: "post.promote", communityId: community.id, target: objectUri });
}

export interface NetworkSettingsInput {
  cascade?: boolean;
  autoApprove?: string[];
  promoteTags?: string[];
}

export async function updateNetworkSettings(ops: Operations, slug: string, input: NetworkSettingsInput, actor: Actor): Promise<LinkSettings> {
  const community = await getCommunity(ops, slug);
  const changes: Partial<LinkSettings> = {};
  if (input.cascade !== undefined) changes.cascade = input.cascade;
  if (input.autoApprove !== undefined) {
    for (const p of input.autoApprove) {
      if (p !== "*" && !/^https?:\/\/\S+$/.test(p) && !/^[a-z0-9.-]+(:\d+)?$/i.test(p)) {
        throw new ValidationError("auto-approve", `"${p}" is neither a host (cop.example) nor a Group URI nor "*"`);
      }
    }
    changes.autoApprove = input.autoApprove;
  }
  if (input.promoteTags !== undefined) changes.promoteTags = input.promoteTags.map(normalizeTag).filter((t) => t.length > 0);
  if (Object.keys(changes).length === 0) throw new ValidationError("options", "nothing to change; pass at least one option");
  const settings = await ops.services.repos.links.updateSettings(community.id, changes);
  await ops.services.repos.audit.record({ actor, action: "network.settings", communityId: community.id, details: { ...changes } });
  return settings;
}

export async function networkSettings(ops: Operations, slug: string): Promise<LinkSettings> {
  const community = await getCommunity(ops, slug);
  return ops.services.repos.links.settings(community.id);
}

export interface NetworkTree {
  community: NetworkNode;
  ancestors: TreeNode[];
  descendants: TreeNode[];
}

/** The community's verified ancestors and descendants, across servers. */
export async function networkTree(ops: Operations, slug: string): Promise<NetworkTree> {
  const community = await getCommunity(ops, slug);
  const ctx = contextOf(ops);
  const reader = new NetworkReader(ctx, community.slug, { counts: true });
  const uri = ctx.getActorUri(community.slug).href;
  const limit = ops.services.config.network.maxDepth;
  const [self, ancestors, descendants] = await Promise.all([
    reader.node(uri), reader.tree(uri, "up", limit), reader.tree(uri, "down", limit),
  ]);
  return { community: self!, ancestors, descendants };
}
