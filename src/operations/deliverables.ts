// Working groups' deliverables, shared by the CLI, the admin API and the
// console: add, update and list a group's own; list its sub-communities'
// (as they arrived along verified links); and the finished deliverables of
// archived sub-communities, for the parent's resource centre.
import { type Community, ValidationError } from "../domain/community.ts";
import {
  decideStatusChange, type Deliverable, parseDate, parseDeliverableStatus, validateResourceUri, validateTitle,
} from "../domain/working-groups.ts";
import type { DeliverableChanges } from "../db/repositories/deliverables.ts";
import { deliverableUri, sendDeliverable } from "../federation/deliverables.ts";
import type { AppServices } from "../services.ts";
import { cliActor } from "./audit.ts";
import { contextOf, getCommunity, NotFoundError, type Operations } from "./communities.ts";

export interface DeliverableView extends Deliverable {
  uri: string;
}

export interface DeliverableInput {
  title?: string;
  status?: string;
  /** YYYY-MM-DD; "" or null clears it. */
  due?: string | null;
  /** An http(s) URI where the result lives; "" or null clears it. */
  resource?: string | null;
}

function view(ops: Operations, community: Community, d: Deliverable): DeliverableView {
  return { ...d, uri: deliverableUri(ops.services.config.origin, community.slug, d.id) };
}

function mustBeWorkingGroup(community: Community): void {
  if (community.stream !== "build") {
    throw new ValidationError("community", `${community.slug} is not a working group: create or update it with --stream build`);
  }
  if (community.archivedAt) throw new ValidationError("community", `${community.slug} is archived: its deliverables are final`);
}

const optional = <T>(v: string | null | undefined, parse: (s: string) => T): T | null | undefined =>
  v === undefined ? undefined : v === null || v === "" ? null : parse(v);

export async function addDeliverable(ops: Operations, slug: string, input: DeliverableInput & { title: string }, by: string = cliActor()): Promise<DeliverableView> {
  const community = await getCommunity(ops, slug);
  mustBeWorkingGroup(community);
  const title = validateTitle(input.title);
  const due = optional(input.due, (s) => parseDate("due", s)) ?? null;
  const resourceUri = optional(input.resource, validateResourceUri) ?? null;
  let d = await ops.services.repos.deliverables.create(community.id, { title, due, resourceUri });
  if (input.status !== undefined && input.status !== "planned") {
    d = (await ops.services.repos.deliverables.update(community.id, d.id, { status: parseDeliverableStatus(input.status) }))!;
  }
  await ops.services.repos.audit.record({ actor: by, action: "deliverable.add", communityId: community.id, target: d.id, details: { title } });
  await sendDeliverable(contextOf(ops), community, d, "create");
  return view(ops, community, d);
}

export async function updateDeliverable(ops: Operations, slug: string, id: string, input: DeliverableInput, by: string = cliActor()): Promise<DeliverableView> {
  const community = await getCommunity(ops, slug);
  const existing = await ops.services.repos.deliverables.get(community.id, id);
  if (!existing) throw new NotFoundError(`No deliverable "${id}" in ${slug}`);
  const changes: DeliverableChanges = {};
  if (input.title !== undefined) changes.title = validateTitle(input.title);
  if (input.status !== undefined) changes.status = parseDeliverableStatus(input.status);
  const due = optional(input.due, (s) => parseDate("due", s));
  if (due !== undefined) changes.due = due;
  const resource = optional(input.resource, validateResourceUri);
  if (resource !== undefined) changes.resourceUri = resource;
  if (Object.keys(changes).length === 0) throw new ValidationError("options", "nothing to update; pass at least one option");
  const decision = decideStatusChange({ from: existing.status, to: changes.status ?? existing.status, archived: community.archivedAt !== null });
  if (!decision.allowed) throw new ValidationError("community", `${slug}: ${decision.reason}`);
  mustBeWorkingGroup(community);
  const d = (await ops.services.repos.deliverables.update(community.id, id, changes))!;
  await ops.services.repos.audit.record({ actor: by, action: "deliverable.update", communityId: community.id, target: id, details: { ...changes } });
  await sendDeliverable(contextOf(ops), community, d, "update");
  return view(ops, community, d);
}

export async function listDeliverables(ops: Operations, slug: string): Promise<DeliverableView[]> {
  const community = await getCommunity(ops, slug);
  return (await ops.services.repos.deliverables.list(community.id)).map((d) => view(ops, community, d));
}

/** A sub-community's deliverable, as its parent holds it. */
export interface ChildDeliverable {
  uri: string;
  title: string;
  status: string;
  due: string | null;
  resourceUri: string | null;
  /** When this copy was last received from the working group. */
  receivedAt: string;
  /** The sub-community (its Group URI and name, when known). */
  group: { uri: string; name: string | null; goal: string | null; endsAt: string | null; archived: boolean };
}

/** The deliverables of the community's linked sub-communities (working groups), by group. */
export async function listChildDeliverables(ops: Operations, slug: string): Promise<ChildDeliverable[]> {
  return childDeliverablesOf(ops.services, await getCommunity(ops, slug));
}

/** The same, for a community at hand (the pages). */
export async function childDeliverablesOf(services: AppServices, community: Community): Promise<ChildDeliverable[]> {
  const { repos } = services;
  const active = new Set((await repos.links.list(community.id, { statuses: ["active", "accepted"], relation: "child" })).map((l) => l.peer_uri));
  const groups = new Map<string, ChildDeliverable["group"]>();
  const out: ChildDeliverable[] = [];
  for (const d of await repos.deliverables.listNetwork(community.id)) {
    // Unlinked since: no longer shown.
    if (!active.has(d.groupUri)) continue;
    let group = groups.get(d.groupUri);
    if (!group) {
      const g = await repos.deliverables.getGroup(d.groupUri);
      const node = g?.name ? null : await repos.networkNodes.get(d.groupUri);
      group = { uri: d.groupUri, name: g?.name ?? node?.name ?? null, goal: g?.goal ?? null, endsAt: g?.endsAt ?? null, archived: !!g?.archivedAt };
      groups.set(d.groupUri, group);
    }
    out.push({ uri: d.objectUri, title: d.title, status: d.status, due: d.due, resourceUri: d.resourceUri, receivedAt: d.receivedAt, group });
  }
  return out;
}

/** What the parent's resource centre lists for a finished deliverable of an archived working group. */
export interface FinishedDeliverable {
  title: string;
  /** Where the result lives: the deliverable's resource URI, else the deliverable itself. */
  url: string;
  /** The deliverable object's URI (stable id, for de-duplication). */
  deliverableUri: string;
  /** The working group it came from. */
  community: { uri: string; name: string | null };
  /** When the parent last received it. */
  updatedAt: string;
}

/**
 * The done deliverables of the community's archived sub-communities: what
 * appear in its resource centre (listResources in ./resources.ts, and the
 * centre's pages).
 */
export async function finishedDeliverablesOfArchivedChildren(ops: Operations, parentSlug: string): Promise<FinishedDeliverable[]> {
  return (await listChildDeliverables(ops, parentSlug))
    .filter((d) => d.group.archived && d.status === "done")
    .map((d) => ({
      title: d.title,
      url: d.resourceUri ?? d.uri,
      deliverableUri: d.uri,
      community: { uri: d.group.uri, name: d.group.name },
      updatedAt: d.receivedAt,
    }));
}
