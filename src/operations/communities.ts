// Operator actions on communities, shared by the CLI and (later) the admin
// API. They validate input, change the database and federate the change.
import type { Federation } from "@fedify/fedify";
import {
  type Community, parseLanguages, parsePostingPolicy, parseScale, parseStream, ValidationError, validateName,
  validateRules, validateSlug, validateSummary,
} from "../domain/community.ts";
import type { CommunityChanges } from "../db/repositories/communities.ts";
import { loadKeyPairs } from "../federation/keys.ts";
import { sendGroupDelete, sendGroupUpdate } from "../federation/outbound.ts";
import type { AppServices } from "../services.ts";
import { checkWorkingGroupFields, parseEndDate, parseMaxMembers, validateGoal } from "../domain/working-groups.ts";
import { cliActor } from "./audit.ts";

export interface Operations {
  services: AppServices;
  federation: Federation<AppServices>;
}

export class NotFoundError extends Error {
  override name = "NotFoundError";
}

function contextOf(ops: Operations) {
  return ops.federation.createContext(new URL(ops.services.config.origin), ops.services);
}

export interface CommunityInput {
  name?: string;
  summary?: string;
  scale?: string;
  stream?: string | null;
  languages?: string | string[];
  closed?: boolean;
  posting?: string;
  /** Only the moderators' linked actors may post. */
  announcementOnly?: boolean;
  /** Plain text, one rule per line. */
  rules?: string;
  /** A working group's goal (only with stream build; "" or null clears it). */
  goal?: string | null;
  /** A working group's end date, in the future (only with stream build; "" or null clears it). */
  ends?: string | null;
  /** The core group: most members ("" or null: no cap). */
  maxMembers?: string | number | null;
}

function parseChanges(input: CommunityInput): CommunityChanges {
  const changes: CommunityChanges = {};
  if (input.name !== undefined) changes.name = validateName(input.name);
  if (input.summary !== undefined) changes.summary = validateSummary(input.summary);
  if (input.scale !== undefined) changes.scale = parseScale(input.scale);
  if (input.stream !== undefined) changes.stream = input.stream === null || input.stream === "" ? null : parseStream(input.stream);
  if (input.languages !== undefined) changes.languages = parseLanguages(input.languages);
  if (input.closed !== undefined) changes.closed = input.closed;
  if (input.posting !== undefined) changes.postingPolicy = parsePostingPolicy(input.posting);
  if (input.announcementOnly !== undefined) changes.announcementOnly = input.announcementOnly;
  if (input.rules !== undefined) changes.rules = validateRules(input.rules);
  if (input.goal !== undefined) changes.goal = input.goal === null || input.goal === "" ? null : validateGoal(input.goal);
  if (input.ends !== undefined) changes.endsAt = input.ends === null || input.ends === "" ? null : parseEndDate(input.ends);
  if (input.maxMembers !== undefined) changes.maxMembers = parseMaxMembers(input.maxMembers);
  return changes;
}

/** `by` names who acts, for the audit log ("cli:<os user>" or "account:<username>"). */
export async function createCommunity(ops: Operations, slug: string, input: CommunityInput & { name: string }, by: string = cliActor()): Promise<Community> {
  const { repos } = ops.services;
  validateSlug(slug);
  const changes = parseChanges(input);
  checkWorkingGroupFields({ stream: changes.stream ?? null, goal: changes.goal, endsAt: changes.endsAt });
  const existing = await repos.communities.findBySlug(slug);
  if (existing) {
    throw new ValidationError("slug", existing.deletedAt
      ? `"${slug}" belonged to a deleted community and cannot be reused`
      : `a community "${slug}" already exists`);
  }
  const community = await repos.communities.create({ slug, name: changes.name!, ...changes });
  // Keys are made now rather than on first request, so the first Follow is answered promptly.
  await loadKeyPairs(repos.keys, community.id);
  await repos.audit.record({ actor: by, action: "community.create", communityId: community.id, target: slug });
  return community;
}

export async function getCommunity(ops: Operations, slug: string): Promise<Community> {
  const community = await ops.services.repos.communities.findBySlug(slug);
  if (!community || community.deletedAt) throw new NotFoundError(`No community "${slug}"`);
  return community;
}

export async function updateCommunity(ops: Operations, slug: string, input: CommunityInput, by: string = cliActor()): Promise<Community> {
  const before = await getCommunity(ops, slug);
  const changes = parseChanges(input);
  if (Object.keys(changes).length === 0) throw new ValidationError("options", "nothing to update; pass at least one option");
  const stream = changes.stream !== undefined ? changes.stream : before.stream;
  checkWorkingGroupFields({ stream, goal: changes.goal, endsAt: changes.endsAt });
  if (stream !== "build") {
    // Leaving the Build stream drops the goal and end date with it.
    if (before.goal !== null) changes.goal = null;
    if (before.endsAt !== null) changes.endsAt = null;
  }
  if (before.archivedAt !== null && (changes.endsAt !== undefined)) {
    throw new ValidationError("ends", "the working group is archived; its end date can no longer change");
  }
  const community = (await ops.services.repos.communities.update(slug, changes))!;
  await ops.services.repos.audit.record({ actor: by, action: "community.update", communityId: community.id, target: slug, details: { ...changes } });
  await sendGroupUpdate(contextOf(ops), community);
  return community;
}

/** Federates the deletion to the members, then leaves a tombstone. */
export async function deleteCommunity(ops: Operations, slug: string, by: string = cliActor()): Promise<void> {
  const community = await getCommunity(ops, slug);
  await ops.services.repos.audit.record({ actor: by, action: "community.delete", communityId: community.id, target: slug });
  await sendGroupDelete(contextOf(ops), community);
  await ops.services.repos.communities.markDeleted(community.id);
}

export async function communityDetails(ops: Operations, community: Community) {
  const { repos, config } = ops.services;
  const host = new URL(config.origin).host;
  return {
    ...community,
    handle: `@${community.slug}@${host}`,
    url: new URL(`/c/${community.slug}`, config.origin).href,
    members: await repos.memberships.count(community.id, "accepted"),
    pending: await repos.memberships.count(community.id, "pending"),
  };
}

export { contextOf };
