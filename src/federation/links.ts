// Activities a community sends to manage its links in the fractal network:
// Add (ask for a link), Accept/Reject (answer), Remove (unlink), and the
// Follow that subscribes one Group to the other's announces. Every link
// activity to one peer shares an ordering key, so an Accept is never
// overtaken by the Follow or Update sent after it.
import type { Context } from "@fedify/fedify";
import {
  Accept, type Activity, Add, Follow, isActor, type Recipient, Reject, Remove, Undo,
} from "@fedify/vocab";
import type { CommunityLinkRow } from "../db/schema.ts";
import type { Community } from "../domain/community.ts";
import type { AppServices } from "../services.ts";
import { localCommunityOf } from "./addressing.ts";
import { linkCollectionUris } from "./group-extensions.ts";
import { sendGroupUpdate } from "./outbound.ts";
import { publicOrigin } from "./origin.ts";

type Ctx = Context<AppServices>;

export class PeerUnreachableError extends Error {
  override name = "PeerUnreachableError";
}

export async function recipientOf(ctx: Ctx, uri: string): Promise<Recipient> {
  // A community on this server: its inbox is known without a request (the CLI may run while the server is down).
  const local = await localCommunityOf(ctx, uri);
  if (local) return { id: new URL(uri), inboxId: ctx.getInboxUri(local.slug), endpoints: { sharedInbox: ctx.getInboxUri() } };
  const actor = await ctx.lookupObject(uri).catch(() => null);
  if (!actor || !isActor(actor) || actor.id?.href !== uri || !actor.inboxId) {
    throw new PeerUnreachableError(`${uri} could not be fetched as an actor with an inbox`);
  }
  return actor;
}

function orderingKey(community: Community, peerUri: string): string {
  return `link:${community.id}:${peerUri}`;
}

async function sendToPeer(ctx: Ctx, community: Community, peerUri: string, activity: Activity): Promise<void> {
  await ctx.sendActivity({ identifier: community.slug }, await recipientOf(ctx, peerUri), activity, {
    orderingKey: orderingKey(community, peerUri),
  });
}

/** Our collection that lists the peer, given how the peer relates to us. */
export function ownCollection(ctx: Ctx, community: Community, relation: "parent" | "child"): URL {
  const c = linkCollectionUris(publicOrigin(ctx), community.slug);
  return new URL(relation === "parent" ? c.parents : c.children);
}

export function requestUri(ctx: Ctx, community: Community, linkId: string): URL {
  return new URL(`/c/${community.slug}/links/${linkId}`, publicOrigin(ctx));
}

function followUri(ctx: Ctx, community: Community, link: CommunityLinkRow): URL {
  return new URL(`/c/${community.slug}/follows/${link.id}`, publicOrigin(ctx));
}

/**
 * Asks the peer for a link: `Add { actor: us, object: us, target: <the
 * peer's subcommunities> }` to become its child, or `<its parentCommunities>`
 * to become its parent.
 */
export async function sendLinkRequest(ctx: Ctx, community: Community, link: CommunityLinkRow, targetCollection: string): Promise<void> {
  const us = ctx.getActorUri(community.slug);
  const add = new Add({
    id: new URL(link.request_uri!),
    actor: us,
    object: us,
    target: new URL(targetCollection),
    to: new URL(link.peer_uri),
  });
  await sendToPeer(ctx, community, link.peer_uri, add);
}

/** The Add the peer sent us, as Accept and Reject quote it. */
function theirAdd(ctx: Ctx, community: Community, link: CommunityLinkRow): Add {
  const peer = new URL(link.peer_uri);
  return new Add({
    id: link.request_uri ? new URL(link.request_uri) : null,
    actor: peer,
    object: peer,
    target: ownCollection(ctx, community, link.relation),
  });
}

export async function acceptLinkRequest(ctx: Ctx, community: Community, link: CommunityLinkRow): Promise<void> {
  const accept = new Accept({
    id: new URL(`/c/${community.slug}/links/${link.id}/accept`, publicOrigin(ctx)),
    actor: ctx.getActorUri(community.slug),
    object: theirAdd(ctx, community, link),
    to: new URL(link.peer_uri),
  });
  await sendToPeer(ctx, community, link.peer_uri, accept);
}

export async function rejectLinkRequest(ctx: Ctx, community: Community, link: CommunityLinkRow, reason: string): Promise<void> {
  const reject = new Reject({
    id: new URL(`/c/${community.slug}/links/${link.id}/reject`, publicOrigin(ctx)),
    actor: ctx.getActorUri(community.slug),
    object: theirAdd(ctx, community, link),
    summary: reason,
    to: new URL(link.peer_uri),
  });
  await sendToPeer(ctx, community, link.peer_uri, reject);
}

/** Subscribes the community to the peer's announces (roll-up or cascade). */
export async function followPeer(ctx: Ctx, community: Community, link: CommunityLinkRow): Promise<void> {
  const follow = new Follow({
    id: followUri(ctx, community, link),
    actor: ctx.getActorUri(community.slug),
    object: new URL(link.peer_uri),
  });
  await sendToPeer(ctx, community, link.peer_uri, follow);
}

export async function unfollowPeer(ctx: Ctx, community: Community, link: CommunityLinkRow): Promise<void> {
  const us = ctx.getActorUri(community.slug);
  const undo = new Undo({
    id: new URL(`${followUri(ctx, community, link).href}/undo`),
    actor: us,
    object: new Follow({ id: followUri(ctx, community, link), actor: us, object: new URL(link.peer_uri) }),
  });
  await sendToPeer(ctx, community, link.peer_uri, undo);
}

/** Unlinks: `Remove { actor: us, object: the peer, target: our collection }`. */
export async function sendUnlink(ctx: Ctx, community: Community, link: CommunityLinkRow): Promise<void> {
  const remove = new Remove({
    id: new URL(`/c/${community.slug}/links/${link.id}/remove`, publicOrigin(ctx)),
    actor: ctx.getActorUri(community.slug),
    object: new URL(link.peer_uri),
    target: ownCollection(ctx, community, link.relation),
    to: new URL(link.peer_uri),
  });
  await sendToPeer(ctx, community, link.peer_uri, remove);
}

/**
 * Tells followers (and the peer, which may not follow yet) that the
 * community's links changed; receivers re-read its collections.
 */
export async function announceLinkChange(ctx: Ctx, community: Community, peerUri: string): Promise<void> {
  const follows = (await ctx.data.repos.memberships.status(community.id, peerUri)) === "accepted";
  const peer = follows ? null : await recipientOf(ctx, peerUri).catch(() => null);
  await sendGroupUpdate(ctx, community, peer ? [peer] : []);
}
