// Inbox wiring: which handler each activity type reaches. Handlers resolve
// the communities concerned from the activity itself, never from the inbox
// it was posted to: with a queue, Fedify deduplicates per origin, so one
// delivery may stand for several of our inboxes.
import type { Federation } from "@fedify/fedify";
import {
  Accept, Activity, Add, Announce, Create, Delete, Dislike, Flag, Follow, Like, Reject, Remove, Undo, Update,
} from "@fedify/vocab";
import { getLogger } from "@logtape/logtape";
import type { AppServices } from "../../services.ts";
import { INSTANCE_ACTOR } from "../addressing.ts";
import { onFlag } from "./flags.ts";
import { onFollow, onUndoFollow } from "./follows.ts";
import { onAdd, onGroupUpdate, onLinkAnswer, onRemove } from "./links.ts";
import { onNetworkAnnounce, onNetworkUndoAnnounce } from "./network.ts";
import { onCreate, onDelete, onUpdate } from "./posts.ts";
import { onReaction, onUndoReaction } from "./reactions.ts";

const logger = getLogger(["praxis", "federation", "inbox"]);

export function registerInbox(federation: Federation<AppServices>): void {
  federation
    .setInboxListeners("/c/{identifier}/inbox", "/inbox")
    // Fetches made while handling shared-inbox deliveries are signed by the
    // instance actor, for servers that require authorized fetch.
    .setSharedKeyDispatcher(() => ({ identifier: INSTANCE_ACTOR }))
    .on(Follow, onFollow)
    .on(Create, onCreate)
    .on(Update, async (ctx, update) => {
      // An actor updating itself: a linked Group may have changed its links.
      if (update.actorId && update.objectId?.href === update.actorId.href) {
        await onGroupUpdate(ctx, update.actorId.href);
      } else {
        await onUpdate(ctx, update);
      }
    })
    .on(Delete, onDelete)
    .on(Like, onReaction)
    .on(Dislike, onReaction)
    // The fractal network: links between communities and what flows along them.
    .on(Add, onAdd)
    .on(Remove, onRemove)
    .on(Accept, (ctx, accept) => onLinkAnswer(ctx, accept, true))
    .on(Reject, (ctx, reject) => onLinkAnswer(ctx, reject, false))
    .on(Announce, onNetworkAnnounce)
    .on(Flag, onFlag)
    .on(Undo, async (ctx, undo) => {
      if (!undo.actorId) return;
      const inner = await undo.getObject({
        documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader, suppressError: true,
      }).catch(() => null);
      if (inner instanceof Follow) {
        if (inner.actorId?.href !== undo.actorId.href || !inner.objectId) return;
        await onUndoFollow(ctx, undo.actorId.href, inner.objectId.href);
      } else if (inner instanceof Announce) {
        await onNetworkUndoAnnounce(ctx, undo.actorId.href, inner);
      } else if (inner instanceof Like || inner instanceof Dislike) {
        await onUndoReaction(ctx, undo, inner);
      } else if (inner === null && undo.objectId) {
        // Only the Follow's id was given and it cannot be fetched: find the
        // membership it created.
        await ctx.data.repos.memberships.removeByFollowId(undo.actorId.href, undo.objectId.href);
      }
    })
    // Activities Praxis does not act on (yet) are acknowledged and logged.
    .on(Activity, (_ctx, activity) => {
      logger.debug("Ignoring {type} {id}", { type: activity.constructor.name, id: activity.id?.href });
    })
    .onError((_ctx, error) => {
      logger.error("Inbox listener failed: {error}", { error });
    });
}
