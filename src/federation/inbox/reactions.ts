// Likes (and Lemmy's Dislike votes) on a community's posts are relayed to
// the members as Announce(Like), and their Undo likewise.
import type { InboxContext } from "@fedify/fedify";
import { type Activity, Dislike, type Like } from "@fedify/vocab";
import { decideReactionRelay } from "../../domain/relay.ts";
import type { AppServices } from "../../services.ts";
import { announceActivity } from "../outbound.ts";

export async function onReaction(ctx: InboxContext<AppServices>, reaction: Like | Dislike): Promise<void> {
  if (!reaction.id || !reaction.actorId || !reaction.objectId) return;
  const { repos } = ctx.data;
  for (const post of await repos.posts.findByObject(reaction.objectId.href)) {
    const community = await repos.communities.findById(post.community_id);
    if (!community || community.deletedAt) continue;
    if (await repos.bans.isBanned(community.id, reaction.actorId.href)) continue;
    const allowed = decideReactionRelay({
      actorIsMember: (await repos.memberships.status(community.id, reaction.actorId.href)) === "accepted",
      postingPolicy: community.postingPolicy,
      postDeleted: post.deleted_at !== null || post.removed_at !== null,
    });
    if (!allowed) continue;
    // Counted on the community's pages (one per actor and kind).
    await repos.reactions.add({
      communityId: community.id, objectUri: post.object_uri, actorUri: reaction.actorId.href,
      kind: reaction instanceof Dislike ? "dislike" : "like", activityUri: reaction.id.href,
    });
    await announceActivity(ctx, community, reaction);
  }
}

/** Relays an Undo of a reaction wherever the reaction itself was relayed. */
export async function onUndoReaction(ctx: InboxContext<AppServices>, undo: Activity, reaction: Like | Dislike): Promise<void> {
  if (!reaction.id || !reaction.objectId || reaction.actorId?.href !== undo.actorId?.href) return;
  const { repos } = ctx.data;
  await repos.reactions.remove(reaction.id.href, reaction.actorId!.href);
  for (const post of await repos.posts.findByObject(reaction.objectId.href)) {
    const community = await repos.communities.findById(post.community_id);
    if (!community || community.deletedAt) continue;
    if (await repos.activities.find(community.id, reaction.id.href, "announce")) {
      await announceActivity(ctx, community, undo);
    }
  }
}
