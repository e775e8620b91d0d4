// Moderating membership requests of closed communities.
import type { Recipient } from "@fedify/vocab";
import type { Member } from "../db/repositories/memberships.ts";
import { ValidationError } from "../domain/community.ts";
import { acceptFollow, rejectFollow } from "../federation/outbound.ts";
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

export async function listMembers(ops: Operations, slug: string, pending: boolean): Promise<Member[]> {
  const community = await getCommunity(ops, slug);
  return ops.services.repos.memberships.list(community.id, pending ? "pending" : "accepted");
}

export async function approveMember(ops: Operations, slug: string, who: string, by: string = cliActor()): Promise<Member> {
  const community = await getCommunity(ops, slug);
  const member = await findMember(ops, community.id, who);
  if (member.status === "accepted") throw new ValidationError("actor", `${who} is already a member`);
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
