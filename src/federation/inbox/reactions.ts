// Likes (and Lemmy's Dislike votes) on a community's posts are relayed to
// the members as Announce(Like), and their Undo likewise.
import type { InboxContext } from "@fedify/fedify";
import { type Activity, Dislike, type Like } from "@fedify/vocab";
import { decideReactionRelay } from "../../domain/relay.ts";
import type { AppServices } from "../../services.ts";
import { announceActivity } from "../outbound.ts";
import { ignoring } from "./ignoring.ts";

export async function onReaction(ctx: InboxContext<AppServices>, reaction: Like | Dislike): Promise<void> {
  if (!reaction.id || !reaction.actorId || !reaction.objectId) return ignoring(reaction, "it has no id, actor or object");
  const { repos } = ctx.data;
  const posts = await repos.posts.findByObject(reaction.objectId.href);
  if (posts.length === 0) return ignoring(reaction, "{object} is no post here", { object: reaction.objectId.href });
  for (const post of posts) {
    const community = await repos.communities.findById(post.community_id);
    if (!community || community.deletedAt) {
      ignoring(reaction, "the post's community is gone");
      continue;
    }
    const allowed = !await repos.bans.isBanned(community.id, reaction.actorId.href) && decideReactionRelay({
      actorIsMember: (await repos.memberships.status(community.id, reaction.actorId.href)) === "accepted",
      postingPolicy: community.postingPolicy,
      postDeleted: post.deleted_at !== null || post.removed_at !== null,
    });
    if (!allowed) {
      ignoring(reaction, "its actor may not react in {community} (banned, not a member, or the post is gone)", { community: community.slug });
      continue;
    }
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
  if (!reaction.id || !reaction.objectId || reaction.actorId?.href !== undo.actorId?.href) {
    return ignoring(undo, "it undoes a reaction without an id, or someone else's");
  }
  const { repos } = ctx.data;
  await repos.reactions.remove(reaction.id.href, reaction.actorId!.href);
  let relayed = false;
  for (const post of await repos.posts.findByObject(reaction.objectId.href)) {
    const community = await repos.communities.findById(post.community_id);
    if (!community || community.deletedAt) continue;
    if (await repos.activities.find(community.id, reaction.id.href, "announce")) {
      await announceActivity(ctx, community, undo);
      relayed = true;
    }
  }
  if (!relayed) ignoring(undo, "the reaction it undoes was never relayed here");
}
