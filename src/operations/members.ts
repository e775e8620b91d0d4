// Moderating membership requests of closed communities.
import type { Recipient } from "@fedify/vocab";
import type { Member } from "../db/repositories/memberships.ts";
import { ValidationError } from "../domain/community.ts";
import { acceptFollow, rejectFollow } from "../federation/outbound.ts";
import { mayApprove, waitlist } from "../domain/working-groups.ts";
import { cliActor } from "./audit.ts";
import { contextOf, getCommunity, NotFoundError, type Operations } from "./communities.ts";

/** Finds a member or applicant by actor URI or by `@user@host` handle. */
async function findMember(ops: Operations, communityId: string, who: string): Promise<Member> {
  const { repos } = ops.services;
  let actorUri = who;
  if (!/^https?:\/\//.test(who)) {
    if (!/^@?[^@\s]+@[^@\s]+$/.test(who)) {
      throw new ValidationError("actor", `"${who}" is neither an actor URI nor a handle like @user@host`);
    }
    const actor = await repos.remoteActors.findByHandle(who);
    if (!actor) throw new NotFoundError(`No member or request from ${who}`);
    actorUri = actor.uri;
  }
  const member = await repos.memberships.get(communityId, actorUri);
  if (!member) throw new NotFoundError(`No member or request from ${who}`);
  return member;
}

function recipientOf(member: Member): Recipient {
  if (!member.inbox) throw new Error(`No inbox is known for ${member.actorUri}`);
  return {
    id: new URL(member.actorUri),
    inboxId: new URL(member.inbox),
    endpoints: member.sharedInbox ? { sharedInbox: new URL(member.sharedInbox) } : null,
  };
}

/** A member, or a pending request with its place on the waitlist (1 = next). */
export type ListedMember = Member & { waitlistPosition?: number };

export async function listMembers(ops: Operations, slug: string, pending: boolean): Promise<ListedMember[]> {
  const community = await getCommunity(ops, slug);
  const rows = await ops.services.repos.memberships.list(community.id, pending ? "pending" : "accepted");
  if (!pending) return rows;
  // Join requests wait in the order they were made.
  return waitlist(rows).map(({ position, ...m }) => ({ ...m, waitlistPosition: position }));
}

/** The core group's state: the cap, the members, and how many wait. */
export async function capacityOf(ops: Operations, slug: string): Promise<{ maxMembers: number | null; members: number; waiting: number; full: boolean }> {
  const community = await getCommunity(ops, slug);
  const { memberships } = ops.services.repos;
  const members = await memberships.count(community.id, "accepted");
  return {
    maxMembers: community.maxMembers, members, waiting: await memberships.count(community.id, "pending"),
    full: !mayApprove({ maxMembers: community.maxMembers, members }),
  };
}

export async function approveMember(ops: Operations, slug: string, who: string, by: string = cliActor()): Promise<Member> {
  const community = await getCommunity(ops, slug);
  const member = await findMember(ops, community.id, who);
  if (member.status === "accepted") throw new ValidationError("actor", `${who} is already a member`);
  if (community.archivedAt) throw new ValidationError("community", `${slug} is archived: it takes no new members`);
  const members = await ops.services.repos.memberships.count(community.id, "accepted");
  if (!mayApprove({ maxMembers: community.maxMembers, members })) {
    throw new ValidationError("max-members",
      `${slug} is full (${members} of ${community.maxMembers} members): the request stays on the waitlist until a member leaves or the cap is raised`);
  }
  await ops.services.repos.memberships.accept(community.id, member.actorUri);
  await ops.services.repos.audit.record({ actor: by, action: "member.approve", communityId: community.id, target: member.actorUri });
  await acceptFollow(contextOf(ops), community, { id: member.followId, actor: member.actorUri, recipient: recipientOf(member) });
  return { ...member, status: "accepted" };
}

/** Declines a pending request, or removes an existing member. */
export async function rejectMember(ops: Operations, slug: string, who: string, by: string = cliActor()): Promise<Member> {
  const community = await getCommunity(ops, slug);
  const member = await findMember(ops, community.id, who);
  await ops.services.repos.memberships.remove(community.id, member.actorUri);
  await ops.services.repos.audit.record({
    actor: by, action: member.status === "pending" ? "member.reject" : "member.remove", communityId: community.id, target: member.actorUri,
  });
  await rejectFollow(contextOf(ops), community, { id: member.followId, actor: member.actorUri, recipient: recipientOf(member) });
  return member;
}
