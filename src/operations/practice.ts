// Practice statuses: a community marks a post it carries or one of its
// resources proposed, evaluated or best practice (rules in
// src/domain/practice.ts), lists its own and inherited marks, and sees the
// best practices its sub-communities offer it. Shared by the CLI, the
// admin API and the console.
import type { PracticeMarkRow } from "../db/schema.ts";
import type { Community } from "../domain/community.ts";
import { ValidationError } from "../domain/community.ts";
import { decideTransition, isPracticeStatus, parsePracticeStatus, validateNote } from "../domain/practice.ts";
import { practiceNoteUri } from "../federation/resource-objects.ts";
import { publishPracticeNote, sendResourceUpdate } from "../federation/resources.ts";
import { contextOf, getCommunity, NotFoundError, type Operations } from "./communities.ts";
import { localResourceOf } from "./resources.ts";

export interface PracticeView {
  /** The post or resource the status is about. */
  object: string;
  title: string | null;
  status: string;
  note: string | null;
  /** own: this community's mark; inherited: a parent's; offered: a sub-community's. */
  source: "own" | "inherited" | "offered";
  /** The community that made the mark (its actor URI). */
  origin: string;
  /** The Note that carries the mark, for a post by someone else. */
  noteUri: string | null;
  updatedAt: string;
}

export interface OfferView extends PracticeView {
  /** Held by this community from its network, so `praxis promote` can announce it. */
  promotable: boolean;
  promoted: boolean;
}

const SOURCES = { own: "own", down: "inherited", up: "offered" } as const;

function view(m: PracticeMarkRow): PracticeView {
  return {
    object: m.object_uri, title: m.title, status: m.status, note: m.note, source: SOURCES[m.direction], origin: m.origin_uri,
    noteUri: m.note_uri, updatedAt: m.updated_at,
  };
}

function snippet(html: string | null): string | null {
  if (!html) return null;
  const text = html.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim();
  return text.length > 80 ? `${text.slice(0, 79)}…` : text || null;
}

/** What the community carries under this URI: one of its resources, a post, or a post from its network. */
async function carried(ops: Operations, community: Community, uri: string) {
  const { repos } = ops.services;
  const local = await localResourceOf(ops, uri);
  if (local && local.community.id === community.id) return { resource: local.resource, title: local.resource.title };
  const post = (await repos.posts.findByObject(uri)).find((p) => p.community_id === community.id && !p.deleted_at && !p.removed_at);
  if (post) return { resource: null, title: post.name ?? snippet(post.content) };
  const held = await repos.networkPosts.find(community.id, uri);
  if (held && !held.withdrawn_at) return { resource: null, title: held.name ?? snippet(held.content) };
  return null;
}

function parseObjectUri(value: string): string {
  try {
    const url = new URL(value);
    if (url.protocol === "https:" || url.protocol === "http:") return url.href;
  } catch {
    // fall through
  }
  throw new ValidationError("object-uri", `"${value}" is not an http(s) URI`);
}

/**
 * Marks a practice. For one of the community's resources, the resource
 * itself carries the status (`Update`); for a post, the Group publishes a
 * Note saying so (`Create`, then `Update` on each change).
 */
export async function markPractice(
  ops: Operations, slug: string, objectUri: string, input: { status: string; note?: string | null }, by: string,
): Promise<PracticeView> {
  const community = await getCommunity(ops, slug);
  const uri = parseObjectUri(objectUri);
  const status = parsePracticeStatus(input.status);
  const note = validateNote(input.note);
  const target = await carried(ops, community, uri);
  if (!target) throw new NotFoundError(`${slug} carries no post or resource ${uri}`);
  const ctx = contextOf(ops);
  const { repos } = ops.services;
  const group = ctx.getActorUri(community.slug).href;
  const existing = await repos.practice.find(community.id, uri, group);
  const from = existing && isPracticeStatus(existing.status) ? existing.status : null;
  const decision = decideTransition(from, status, note);
  if (!decision.ok) throw new ValidationError("status", decision.message);
  const id = existing?.id ?? crypto.randomUUID();
  const mark = await repos.practice.put({
    id, communityId: community.id, objectUri: uri, status, note, direction: "own", originUri: group,
    noteUri: target.resource ? null : existing?.note_uri ?? practiceNoteUri(ctx, community.slug, id).href, title: target.title,
  });
  if (target.resource) {
    await repos.resources.setPracticeStatus(target.resource.id, status);
    await sendResourceUpdate(ctx, community, { ...target.resource, practice_status: status, updated_at: mark.updated_at });
  } else {
    await publishPracticeNote(ctx, community, mark, existing === null);
  }
  await repos.audit.record({ actor: by, action: "practice.mark", communityId: community.id, target: uri, details: { from, to: status, note } });
  return view(mark);
}

/** The community's own marks and those inherited from its parents, best first. */
export async function listPractice(ops: Operations, slug: string, filter: { status?: string } = {}): Promise<PracticeView[]> {
  const community = await getCommunity(ops, slug);
  const status = filter.status !== undefined ? parsePracticeStatus(filter.status) : undefined;
  const rows = await ops.services.repos.practice.list(community.id, { directions: ["own", "down"], status });
  return rows.map(view);
}

/** Best practices received from verified sub-communities, and whether each can be promoted. */
export async function practiceOffers(ops: Operations, slug: string): Promise<OfferView[]> {
  const community = await getCommunity(ops, slug);
  const { repos } = ops.services;
  const out: OfferView[] = [];
  for (const m of await repos.practice.list(community.id, { directions: ["up"], status: "best-practice" })) {
    const held = await repos.networkPosts.find(community.id, m.object_uri);
    const promoted = held?.promoted_at != null || (await repos.activities.find(community.id, m.object_uri, "boost")) !== null;
    out.push({ ...view(m), promotable: held !== null && !held.withdrawn_at && !promoted, promoted });
  }
  return out;
}

/** This community's status for each object it marked (for badges on its pages). */
export async function ownPracticeStatuses(ops: Operations, community: Community): Promise<Map<string, string>> {
  return ops.services.repos.practice.ownStatuses(community.id);
}
