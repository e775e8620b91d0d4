// RSVPs to a community's meetings. Mobilizon's `Join` of the Event asks for
// a seat: answered `Accept`, or `Reject` when none can be given (unknown,
// past or cancelled meeting, members-only, banned) — when the meeting is
// full the asker goes on the waitlist, told so in the Reject's content, and
// gets an `Accept` once a seat frees. `Leave` (or a `Reject` of the Event)
// gives the seat back. An `Accept` or `TentativeAccept` of the Event (AS2's
// answer to an invitation) also counts. The signer is bound to the actor by
// the inbox admission (src/federation/signer.ts): an actor only ever
// answers for itself.
import type { InboxContext } from "@fedify/fedify";
import { type Activity, isActor, type Recipient } from "@fedify/vocab";
import { getLogger } from "@logtape/logtape";
import type { Community } from "../../domain/community.ts";
import type { AppServices } from "../../services.ts";
import { acceptPromoted, answerRsvp, isCancelled, occurrenceView, type OccurrenceView, parseMeetingUri } from "../meetings.ts";
import { rememberActor } from "../remote-actors.ts";
import { ignoring } from "./ignoring.ts";

const logger = getLogger(["praxis", "federation", "inbox", "meetings"]);

type Ctx = InboxContext<AppServices>;

/** Whether the activity's object is one of our meetings (so it is an RSVP, not a link answer). */
export function isMeetingRsvp(ctx: Ctx, activity: Activity): boolean {
  return parseMeetingUri(ctx, activity.objectId) !== null;
}

interface Target {
  community: Community;
  view: OccurrenceView | null;
  actor: Recipient;
}

/** The meeting an RSVP names, and its verified actor; null when there is no one to answer. */
async function targetOf(ctx: Ctx, activity: Activity): Promise<Target | null> {
  const parsed = parseMeetingUri(ctx, activity.objectId);
  if (!parsed || !activity.actorId) {
    ignoring(activity, "{object} is not a meeting here", { object: activity.objectId?.href });
    return null;
  }
  const community = await ctx.data.repos.communities.findBySlug(parsed.slug);
  if (!community || community.deletedAt) {
    ignoring(activity, "community {slug} does not exist", { slug: parsed.slug });
    return null;
  }
  const actor = await activity.getActor(ctx).catch(() => null);
  if (!actor || !isActor(actor) || actor.id?.href !== activity.actorId.href || !actor.inboxId) {
    logger.info("Ignoring {type} {id}: its actor could not be fetched or has no inbox", { type: activity.constructor.name, id: activity.id?.href });
    return null;
  }
  await rememberActor(ctx.data.repos.remoteActors, actor);
  const view = await occurrenceView(ctx.data, parsed.occurrenceId);
  const ours = view && view.occurrence.community_id === community.id && view.occurrence.published === 1 ? view : null;
  return { community, view: ours, actor: actor as unknown as Recipient };
}

/** Why this actor may not take a seat, if so. */
async function refusal(ctx: Ctx, target: Target): Promise<string | null> {
  const { community, view, actor } = target;
  if (!view) return "There is no such meeting.";
  if (isCancelled(view)) return "This meeting is cancelled.";
  if (view.occurrence.ends_at <= new Date().toISOString()) return "This meeting is over.";
  const actorUri = actor.id!.href;
  if (await ctx.data.repos.bans.isBanned(community.id, actorUri)) return "You cannot join this community's meetings.";
  if (community.closed && (await ctx.data.repos.memberships.status(community.id, actorUri)) !== "accepted") {
    return "This meeting is for the community's members.";
  }
  return null;
}

async function seat(ctx: Ctx, activity: Activity, want: "accepted" | "tentative", answerAccepted: boolean): Promise<void> {
  const target = await targetOf(ctx, activity);
  if (!target) return;
  const eventUri = activity.objectId!;
  const request = { activity, actor: target.actor, eventUri };
  const refused = await refusal(ctx, target);
  if (refused) {
    await answerRsvp(ctx, target.community, request, false, refused);
    logger.info("Refused {actor}'s RSVP to {event}: {reason}", { actor: activity.actorId!.href, event: eventUri.href, reason: refused });
    return;
  }
  const view = target.view!;
  const result = await ctx.data.repos.meetings.takeSeat(view.occurrence.id, target.actor.id!.href, want, view.meeting.capacity, activity.id?.href ?? null);
  if (result.status === "waitlisted") {
    await answerRsvp(ctx, target.community, request, false,
      `This meeting is full (${view.meeting.capacity} seats). You are number ${result.position} on the waitlist: ` +
      "you will receive an Accept if a seat frees up. Send Leave to withdraw.");
    logger.info("{actor} waitlisted for {event} ({position})", { actor: activity.actorId!.href, event: eventUri.href, position: result.position });
  } else if (result.status === "accepted") {
    if (answerAccepted) await answerRsvp(ctx, target.community, request, true, null);
    logger.info("{actor} attends {event}", { actor: activity.actorId!.href, event: eventUri.href });
  } else {
    logger.info("{actor} may attend {event}", { actor: activity.actorId!.href, event: eventUri.href });
  }
}

/** Mobilizon's Join of an Event. */
export async function onJoin(ctx: Ctx, join: Activity): Promise<void> {
  if (!isMeetingRsvp(ctx, join)) return ignoring(join, "Praxis communities are joined with Follow; {object} is not a meeting here", { object: join.objectId?.href });
  await seat(ctx, join, "accepted", true);
}

/** An Accept (attend) or TentativeAccept (maybe) of the Event itself. */
export async function onRsvpAnswer(ctx: Ctx, activity: Activity, answer: "accept" | "tentative" | "reject"): Promise<void> {
  if (answer === "reject") return onLeave(ctx, activity);
  await seat(ctx, activity, answer === "accept" ? "accepted" : "tentative", false);
}

/** Leave (or Reject of the Event): frees the seat; the first on the waitlist takes it and is told. */
export async function onLeave(ctx: Ctx, leave: Activity): Promise<void> {
  const parsed = parseMeetingUri(ctx, leave.objectId);
  if (!parsed || !leave.actorId) return ignoring(leave, "{object} is not a meeting here", { object: leave.objectId?.href });
  const view = await occurrenceView(ctx.data, parsed.occurrenceId);
  const community = view ? await ctx.data.repos.communities.findById(view.occurrence.community_id) : null;
  if (!view || !community || community.slug !== parsed.slug) return ignoring(leave, "{object} is not a meeting here", { object: leave.objectId!.href });
  const { removed, promoted } = await ctx.data.repos.meetings.leave(view.occurrence.id, leave.actorId.href, view.meeting.capacity);
  if (!removed) return ignoring(leave, "{actor} does not attend {object}", { actor: leave.actorId.href, object: leave.objectId!.href });
  logger.info("{actor} left {event}", { actor: leave.actorId.href, event: leave.objectId!.href });
  const live = !isCancelled(view) && view.occurrence.ends_at > new Date().toISOString();
  for (const p of promoted) {
    if (live) await acceptPromoted(ctx, community, p.actor_uri, p.activity_uri, leave.objectId!);
    logger.info("{actor} promoted from the waitlist of {event}", { actor: p.actor_uri, event: leave.objectId!.href });
  }
}
