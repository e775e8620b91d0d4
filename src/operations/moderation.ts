// Moderators' actions on members, posts and reports, shared by the CLI and
// the admin API. Each takes the acting user (`by`: "cli:<os user>",
// "account:<name>"), records itself in the audit log and federates.
import { isActor, type Recipient } from "@fedify/vocab";
import type { Community } from "../domain/community.ts";
import { ValidationError } from "../domain/community.ts";
import {
  assertReportOpen, forwardOrigins, isBanActive, parseBanExpiry, validateReason,
} from "../domain/moderation.ts";
import type { Report } from "../db/repositories/reports.ts";
import type { PostRow } from "../db/schema.ts";
import {
  sendBan, sendFeatured, sendLock, sendPostRemoval, sendPostRestore, sendReportForward, sendUnban,
} from "../federation/moderation.ts";
import { INSTANCE_ACTOR } from "../federation/addressing.ts";
import { rejectFollow } from "../federation/outbound.ts";
import { rememberActor } from "../federation/remote-actors.ts";
import { contextOf, getCommunity, NotFoundError, type Operations, updateCommunity } from "./communities.ts";

/** The acting user, as recorded in the audit log. */
export type Actor = string;

function validateActor(by: Actor): Actor {
  if (!by || by.trim() === "") throw new ValidationError("by", "the acting user is required");
  return by;
}

/** An actor URI from a URI or an `@user@host` handle already seen by the server. */
async function resolveActorUri(ops: Operations, who: string): Promise<string> {
  if (/^https?:\/\//.test(who)) {
    try {
      return new URL(who).href;
    } catch {
      throw new ValidationError("actor", `"${who}" is not a valid URI`);
    }
  }
  if (!/^@?[^@\s]+@[^@\s]+$/.test(who)) {
    throw new ValidationError("actor", `"${who}" is neither an actor URI nor a handle like @user@host`);
  }
  const actor = await ops.services.repos.remoteActors.findByHandle(who);
  if (!actor) throw new NotFoundError(`No actor ${who} is known to this server; use its URI`);
  return actor.uri;
}

/** Where to deliver to an actor: the cached inbox, else fetched (and cached); null if unreachable. */
async function recipientOf(ops: Operations, actorUri: string): Promise<Recipient | null> {
  const { repos } = ops.services;
  let row = await repos.remoteActors.get(actorUri);
  if (!row?.inbox) {
    const ctx = contextOf(ops);
    const fetched = await ctx.lookupObject(actorUri, { documentLoader: await ctx.getDocumentLoader({ identifier: INSTANCE_ACTOR }) }).catch(() => null);
    if (!fetched || !isActor(fetched) || fetched.id?.href !== actorUri) return null;
    await rememberActor(repos.remoteActors, fetched);
    row = await repos.remoteActors.get(actorUri);
  }
  if (!row?.inbox) return null;
  return {
    id: new URL(row.uri),
    inboxId: new URL(row.inbox),
    endpoints: row.shared_inbox ? { sharedInbox: new URL(row.shared_inbox) } : null,
  };
}

// ---------------------------------------------------------------- members

/** Removes a member: the membership goes and they are sent `Reject(Follow)`, as Lemmy does. */
export async function removeMember(ops: Operations, slug: string, who: string, by: Actor) {
  validateActor(by);
  const community = await getCommunity(ops, slug);
  const { repos } = ops.services;
  const actorUri = await resolveActorUri(ops, who);
  const member = await repos.memberships.get(community.id, actorUri);
  if (!member || member.status !== "accepted") {
    throw new NotFoundError(`${who} is not a member of ${slug}${member ? " (the request is pending: use member reject)" : ""}`);
  }
  await repos.memberships.remove(community.id, actorUri);
  const recipient = await recipientOf(ops, actorUri);
  if (recipient) await rejectFollow(contextOf(ops), community, { id: member.followId, actor: actorUri, recipient });
  await repos.audit.record({ actor: by, action: "member.remove", communityId: community.id, target: actorUri });
  return member;
}

export interface BanOptions {
  reason?: string | null;
  /** ISO 8601 date or date-time; absent or null for a ban without end. */
  expires?: string | null;
}

export interface BanView {
  actorUri: string;
  handle: string | null;
  reason: string | null;
  expiresAt: string | null;
  active: boolean;
  bannedBy: string;
  createdAt: string;
}

/**
 * Bans an actor from a community: membership removed, future posts, follows
 * and reactions refused; `Block { target: community }` federated.
 */
export async function banMember(ops: Operations, slug: string, who: string, by: Actor, options: BanOptions = {}): Promise<BanView> {
  validateActor(by);
  const reason = validateReason(options.reason);
  const expiresAt = parseBanExpiry(options.expires);
  const community = await getCommunity(ops, slug);
  const { repos } = ops.services;
  const actorUri = await resolveActorUri(ops, who);
  const recipient = await recipientOf(ops, actorUri);
  await repos.memberships.remove(community.id, actorUri);
  const blockUri = await sendBan(contextOf(ops), community, { actorUri, recipient }, reason, expiresAt);
  await repos.bans.upsert({ communityId: community.id, actorUri, reason, expiresAt, bannedBy: by, blockUri: blockUri.href });
  await repos.audit.record({
    actor: by, action: "member.ban", communityId: community.id, target: actorUri, details: { reason, expiresAt },
  });
  return (await listBans(ops, slug)).find((b) => b.actorUri === actorUri)!;
}

/** Lifts a ban (expired or not) and federates `Undo(Block)`. */
export async function unbanMember(ops: Operations, slug: string, who: string, by: Actor): Promise<void> {
  validateActor(by);
  const community = await getCommunity(ops, slug);
  const { repos } = ops.services;
  const actorUri = await resolveActorUri(ops, who);
  const ban = await repos.bans.get(community.id, actorUri);
  if (!ban) throw new NotFoundError(`${who} is not banned from ${slug}`);
  const recipient = await recipientOf(ops, actorUri);
  await sendUnban(contextOf(ops), community, { actorUri, recipient },
    { blockUri: ban.block_uri, reason: ban.reason, expiresAt: ban.expires_at });
  await repos.bans.remove(community.id, actorUri);
  await repos.audit.record({ actor: by, action: "member.unban", communityId: community.id, target: actorUri });
}

export async function listBans(ops: Operations, slug: string): Promise<BanView[]> {
  const community = await getCommunity(ops, slug);
  const { repos } = ops.services;
  const bans = await repos.bans.list(community.id);
  const actors = await repos.remoteActors.getMany(bans.map((b) => b.actor_uri));
  const now = new Date();
  return bans.map((b) => ({
    actorUri: b.actor_uri,
    handle: actors.get(b.actor_uri)?.handle ?? null,
    reason: b.reason,
    expiresAt: b.expires_at,
    active: isBanActive({ expiresAt: b.expires_at }, now),
    bannedBy: b.banned_by,
    createdAt: b.created_at,
  }));
}

// ---------------------------------------------------------------- posts

async function findPost(ops: Operations, community: Community, objectUri: string): Promise<PostRow> {
  if (!/^https?:\/\//.test(objectUri)) throw new ValidationError("object", `"${objectUri}" is not an object URI`);
  const post = await ops.services.repos.posts.find(community.id, objectUri);
  if (!post || post.deleted_at !== null) throw new NotFoundError(`No post ${objectUri} in ${community.slug}`);
  return post;
}

function requireThread(post: PostRow, what: string): void {
  if (post.in_reply_to !== null) throw new ValidationError("object", `only a thread (a top-level post) can be ${what}; ${post.object_uri} is a reply`);
}

/** Removes a post from the community and federates the removal. */
export async function removePost(ops: Operations, slug: string, objectUri: string, by: Actor, options: { reason?: string | null } = {}): Promise<PostRow> {
  validateActor(by);
  const reason = validateReason(options.reason);
  const community = await getCommunity(ops, slug);
  const post = await findPost(ops, community, objectUri);
  if (post.removed_at !== null) throw new ValidationError("object", `${objectUri} is already removed`);
  await ops.services.repos.posts.setRemoved(post.id, { reason });
  await sendPostRemoval(contextOf(ops), community, post, reason);
  await ops.services.repos.audit.record({
    actor: by, action: "post.remove", communityId: community.id, target: objectUri, details: { reason },
  });
  return post;
}

/** Puts a removed post back and federates `Undo(Delete)` and the boost. */
export async function restorePost(ops: Operations, slug: string, objectUri: string, by: Actor): Promise<PostRow> {
  validateActor(by);
  const community = await getCommunity(ops, slug);
  const post = await findPost(ops, community, objectUri);
  if (post.removed_at === null) throw new ValidationError("object", `${objectUri} is not removed`);
  await ops.services.repos.posts.setRemoved(post.id, null);
  await sendPostRestore(contextOf(ops), community, post);
  await ops.services.repos.audit.record({ actor: by, action: "post.restore", communityId: community.id, target: objectUri });
  return post;
}

async function visibleThread(ops: Operations, slug: string, objectUri: string, what: string) {
  const community = await getCommunity(ops, slug);
  const post = await findPost(ops, community, objectUri);
  if (post.removed_at !== null) throw new ValidationError("object", `${objectUri} is removed`);
  requireThread(post, what);
  return { community, post };
}

/** Pins (or unpins) a thread: it is listed in the featured collection; `Add`/`Remove` federated. */
export async function setPinned(ops: Operations, slug: string, objectUri: string, pinned: boolean, by: Actor): Promise<PostRow> {
  validateActor(by);
  const { community, post } = await visibleThread(ops, slug, objectUri, pinned ? "pinned" : "unpinned");
  if ((post.pinned_at !== null) === pinned) throw new ValidationError("object", `${objectUri} is already ${pinned ? "pinned" : "not pinned"}`);
  await ops.services.repos.posts.setPinned(post.id, pinned);
  await sendFeatured(contextOf(ops), community, post, pinned);
  await ops.services.repos.audit.record({ actor: by, action: pinned ? "post.pin" : "post.unpin", communityId: community.id, target: objectUri });
  return post;
}

/** Locks (or unlocks) a thread: new replies are refused; `Lock`/`Undo(Lock)` federated. */
export async function setLocked(ops: Operations, slug: string, objectUri: string, locked: boolean, by: Actor, options: { reason?: string | null } = {}): Promise<PostRow> {
  validateActor(by);
  const reason = validateReason(options.reason);
  const { community, post } = await visibleThread(ops, slug, objectUri, locked ? "locked" : "unlocked");
  if ((post.locked_at !== null) === locked) throw new ValidationError("object", `${objectUri} is already ${locked ? "locked" : "unlocked"}`);
  await ops.services.repos.posts.setLocked(post.id, locked);
  await sendLock(contextOf(ops), community, post, locked, reason);
  await ops.services.repos.audit.record({
    actor: by, action: locked ? "post.lock" : "post.unlock", communityId: community.id, target: objectUri, details: { reason },
  });
  return post;
}

/** Makes a community announcement-only (only moderators' linked actors may post) or not. */
export async function setAnnouncementOnly(ops: Operations, slug: string, announcementOnly: boolean, by: Actor): Promise<Community> {
  validateActor(by);
  const community = await updateCommunity(ops, slug, { announcementOnly }, by);
  await ops.services.repos.audit.record({
    actor: by, action: "community.announcement-only", communityId: community.id, target: slug, details: { announcementOnly },
  });
  return community;
}

// ---------------------------------------------------------------- reports

export interface ReportView extends Report {
  community: string | null;
}

async function reportView(ops: Operations, report: Report): Promise<ReportView> {
  const community = report.communityId ? await ops.services.repos.communities.findById(report.communityId) : null;
  return { ...report, community: community?.slug ?? null };
}

/** Open reports (all with `all`), of one community or of every community and the instance. */
export async function listReports(ops: Operations, options: { community?: string; all?: boolean } = {}): Promise<ReportView[]> {
  const communityId = options.community ? (await getCommunity(ops, options.community)).id : undefined;
  const reports = await ops.services.repos.reports.list({ communityId, includeClosed: !!options.all });
  return Promise.all(reports.map((r) => reportView(ops, r)));
}

async function openReport(ops: Operations, id: string): Promise<Report> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new ValidationError("id", `"${id}" is not a report id`);
  const report = await ops.services.repos.reports.get(id);
  if (!report) throw new NotFoundError(`No report ${id}`);
  return report;
}

export interface ResolveOptions {
  /** Remove the reported posts from their community. */
  removePost?: boolean;
  /** Forward the report to the reported server(s). */
  forward?: boolean;
}

/** Closes a report as acted upon, optionally removing the reported posts and forwarding it. */
export async function resolveReport(ops: Operations, id: string, by: Actor, options: ResolveOptions = {}): Promise<ReportView> {
  validateActor(by);
  const report = await openReport(ops, id);
  assertReportOpen(report.status, id);
  const { repos } = ops.services;
  const removed: string[] = [];
  if (options.removePost) {
    for (const uri of report.objects) {
      for (const post of await repos.posts.findByObject(uri)) {
        if (post.deleted_at !== null || post.removed_at !== null) continue;
        const community = await repos.communities.findById(post.community_id);
        if (!community || community.deletedAt) continue;
        await removePost(ops, community.slug, uri, by, { reason: report.comment || "Reported" });
        removed.push(uri);
      }
    }
    if (removed.length === 0) throw new ValidationError("remove-post", "none of the reported objects is a post in a community here");
  }
  if (options.forward) await forwardReport(ops, id, by);
  await repos.reports.close(id, "resolved", by);
  await repos.audit.record({ actor: by, action: "report.resolve", communityId: report.communityId, target: id, details: { removed } });
  return reportView(ops, (await repos.reports.get(id))!);
}

/** Closes a report without action. */
export async function dismissReport(ops: Operations, id: string, by: Actor): Promise<ReportView> {
  validateActor(by);
  const report = await openReport(ops, id);
  assertReportOpen(report.status, id);
  await ops.services.repos.reports.close(id, "dismissed", by);
  await ops.services.repos.audit.record({ actor: by, action: "report.dismiss", communityId: report.communityId, target: id });
  return reportView(ops, (await ops.services.repos.reports.get(id))!);
}

/**
 * Forwards a report, as a `Flag` from the instance actor, to each server
 * whose objects it reports: to the reported account, or the reported post's
 * author. Returns the actors it was sent to.
 */
export async function forwardReport(ops: Operations, id: string, by: Actor): Promise<string[]> {
  validateActor(by);
  const report = await openReport(ops, id);
  const { repos, config } = ops.services;
  const sentTo: string[] = [];
  for (const origin of forwardOrigins(report.objects, config.origin)) {
    const objects = report.objects.filter((o) => new URL(o).origin === origin);
    // Someone on that server to address: a reported actor, else the author of a reported post.
    const candidates: string[] = [];
    for (const uri of objects) {
      if (await repos.remoteActors.get(uri)) candidates.push(uri);
      for (const post of await repos.posts.findByObject(uri)) candidates.push(post.author_uri);
    }
    candidates.push(...objects);
    let recipient: Recipient | null = null;
    for (const uri of new Set(candidates.filter((c) => new URL(c).origin === origin))) {
      recipient = await recipientOf(ops, uri);
      if (recipient) break;
    }
    if (!recipient) continue;
    await sendReportForward(contextOf(ops), id, recipient, objects, report.comment);
    sentTo.push(recipient.id!.href);
  }
  if (sentTo.length === 0) throw new ValidationError("forward", "no remote server to forward this report to could be reached");
  await repos.reports.markForwarded(id);
  await repos.audit.record({ actor: by, action: "report.forward", communityId: report.communityId, target: id, details: { to: sentTo } });
  return sentTo;
}
