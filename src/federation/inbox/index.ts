// Inbox wiring: which handler each activity type reaches. Handlers resolve
// the communities concerned from the activity itself, never from the inbox
// it was posted to: with a queue, Fedify deduplicates per origin, so one
// delivery may stand for several of our inboxes.
//
// Trust (see src/federation/signer.ts and SECURITY.md, "Inbox"): before an
// activity is queued, the admission hook binds its signer to its one actor
// and applies the domain policy to both; before any listener runs in the
// worker, `admitted` checks that the activity, as parsed there, is the one
// admitted, and applies the domain policy as it stands then.
import type { Federation, InboxContext, KvStore } from "@fedify/fedify";
import {
  Accept, Activity, Add, Announce, Create, Delete, Dislike, Flag, Follow, Join, Leave, Like, Reject, Remove, TentativeAccept, Undo,
  Update,
} from "@fedify/vocab";
import { getLogger } from "@logtape/logtape";
import type { AppServices } from "../../services.ts";
import { INSTANCE_ACTOR } from "../addressing.ts";
import { admissionProblem, admitInboxActivity } from "../signer.ts";
import { classifyHandlerFailure, rejectOnce } from "./failures.ts";
import { onDeliverableActivity, onWorkingGroupUpdate } from "./deliverables.ts";
import { onFlag } from "./flags.ts";
import { onFollow, onUndoFollow } from "./follows.ts";
import { isMeetingRsvp, onJoin, onLeave, onRsvpAnswer } from "./meetings.ts";
import { glossaryOr } from "./glossary.ts";
import { onAdd, onGroupUpdate, onLinkAnswer, onRemove } from "./links.ts";
import { onNetworkAnnounce, onNetworkUndoAnnounce } from "./network.ts";
import { onParentEvent, onParentEventBoost, parentEventLinks } from "./network-events.ts";
import { typeOf } from "../objects.ts";
import { reportInboxError } from "./errors.ts";
import { ignoring } from "./ignoring.ts";
import { onCreate, onDelete, onUndoDelete, onUpdate } from "./posts.ts";
import { onLinkedGroupUpdate } from "./practice.ts";
import { onReaction, onUndoReaction } from "./reactions.ts";

const logger = getLogger(["praxis", "federation", "inbox"]);

/** Fedify's default idempotency key ("per-inbox"), which Praxis keeps. */
function perInboxKey(ctx: InboxContext<AppServices>, activity: Activity): string {
  return `${ctx.origin}\n${activity.id!.href}\n${ctx.recipient == null ? "sharedInbox" : `inbox\n${ctx.recipient}`}`;
}

type Listener<T extends Activity> = (ctx: InboxContext<AppServices>, activity: T) => Promise<void> | void;

export function registerInbox(federation: Federation<AppServices>, kv: KvStore): void {
  /**
   * Runs `listener` only for an activity the inbox admitted, as it parses
   * now; failures its input causes reject it once (failures.ts).
   */
  const admitted = <T extends Activity>(listener: Listener<T>): Listener<T> => rejectOnce<T>(async (ctx, activity) => {
    const problem = await admissionProblem(ctx, activity, kv);
    if (problem) {
      logger.info("Dropping {type} {id}: {problem}", { type: activity.constructor.name, id: activity.id?.href, problem });
      return;
    }
    await listener(ctx, activity);
  });
  federation
    .setInboxListeners("/c/{identifier}/inbox", "/inbox")
    // Fetches made while handling shared-inbox deliveries are signed by the
    // instance actor, for servers that require authorized fetch.
    .setSharedKeyDispatcher(() => ({ identifier: INSTANCE_ACTOR }))
    // Called once Fedify has verified and parsed a delivery, before it is
    // queued: the place where the signer is bound to the actor (throws to refuse).
    .withIdempotency(async (ctx, activity) => {
      await admitInboxActivity(ctx, activity, kv);
      return perInboxKey(ctx, activity);
    })
    .on(Follow, admitted(onFollow))
    .on(Create, admitted(glossaryOr(async (ctx, create) => {
      // A glossary change (above), a linked sub-community's deliverable, a
      // linked parent's meeting, or a post.
      if (await onDeliverableActivity(ctx, create)) return;
      const parentLinks = await parentEventLinks(ctx, create);
      await (parentLinks ? onParentEvent(ctx, create, parentLinks) : onCreate(ctx, create));
    })))
    .on(Update, admitted(async (ctx, update) => {
      // An actor updating itself: a linked Group may have changed its links.
      if (update.actorId && update.objectId?.href === update.actorId.href) {
        await onGroupUpdate(ctx, update.actorId.href);
        await onWorkingGroupUpdate(ctx, update.actorId.href);
      } else {
        // A glossary change, a linked sub-community's deliverable, a linked
        // parent's Event (meetings), a linked Group's edit of what it carries
        // (resources, practice marks), or a member's edit.
        await glossaryOr<Update>(async (ctx, update) => {
          if (await onDeliverableActivity(ctx, update)) return;
          const parentLinks = await parentEventLinks(ctx, update);
          if (parentLinks) await onParentEvent(ctx, update, parentLinks);
          else if (!(await onLinkedGroupUpdate(ctx, update))) await onUpdate(ctx, update);
        })(ctx, update);
      }
    }))
    .on(Delete, admitted(glossaryOr(onDelete)))
    .on(Like, admitted(onReaction))
    .on(Dislike, admitted(onReaction))
    // The fractal network: links between communities and what flows along them.
    .on(Add, admitted(onAdd))
    .on(Remove, admitted(onRemove))
    // An Accept or Reject of one of our meetings is an RSVP; else a link answer.
    .on(Accept, admitted((ctx, accept) => isMeetingRsvp(ctx, accept) ? onRsvpAnswer(ctx, accept, "accept") : onLinkAnswer(ctx, accept, true)))
    .on(Reject, admitted((ctx, reject) => isMeetingRsvp(ctx, reject) ? onRsvpAnswer(ctx, reject, "reject") : onLinkAnswer(ctx, reject, false)))
    .on(TentativeAccept, admitted((ctx, answer) => isMeetingRsvp(ctx, answer) ? onRsvpAnswer(ctx, answer, "tentative") : ignoring(answer, "its object is not a meeting here")))
    .on(Join, admitted(onJoin))
    .on(Leave, admitted(onLeave))
    .on(Announce, admitted(async (ctx, announce) => {
      await onNetworkAnnounce(ctx, announce);
      // A grandparent's meeting relayed by a parent: also kept for the network calendar.
      await onParentEventBoost(ctx, announce);
    }))
    .on(Flag, admitted(onFlag))
    .on(Undo, admitted(async (ctx, undo) => {
      if (!undo.actorId) return ignoring(undo, "it has no actor");
      const inner = await undo.getObject({
        documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader, suppressError: true,
      }).catch(() => null);
      if (inner instanceof Follow) {
        if (inner.actorId?.href !== undo.actorId.href || !inner.objectId) return ignoring(undo, "it undoes someone else's Follow");
        await onUndoFollow(ctx, undo.actorId.href, inner.objectId.href);
      } else if (inner instanceof Announce) {
        await onNetworkUndoAnnounce(ctx, undo.actorId.href, inner);
      } else if (inner instanceof Like || inner instanceof Dislike) {
        await onUndoReaction(ctx, undo, inner);
      } else if (inner instanceof Delete) {
        await onUndoDelete(ctx, undo, inner);
      } else if (inner instanceof Join && inner.actorId?.href === undo.actorId.href) {
        await onLeave(ctx, inner);
      } else if (inner === null && undo.objectId) {
        // Only the Follow's id was given and it cannot be fetched: find the
        // membership it created.
        const removed = await ctx.data.repos.memberships.removeByFollowId(undo.actorId.href, undo.objectId.href);
        if (!removed) ignoring(undo, "{object} could not be fetched and is no membership here", { object: undo.objectId.href });
      } else {
        ignoring(undo, "Praxis does not act on an Undo of {type}", { type: typeOf(inner) });
      }
    }))
    // Activities Praxis does not act on (yet) are acknowledged and logged.
    .on(Activity, admitted((_ctx, activity) => {
      ignoring(activity, "Praxis does not act on {type} activities", { type: typeOf(activity) });
    }))
    // Also called for a queued activity that no longer parses; what the
    // input causes is logged at info (or warning), the rest as an error.
    .onError((_ctx, error) => {
      // During an inbox request, a payload Fedify could not parse: the web
      // layer answers and logs it. Otherwise a listener failed in the worker.
      if (reportInboxError(error)) return;
      const failure = classifyHandlerFailure(error);
      if (failure.permanent) logger[failure.level]("Inbox activity rejected: {reason}", { reason: failure.reason });
      else logger.error("Inbox listener failed: {error}", { error });
    });
}
