// A linked sub-community's deliverables, arriving at its parent. The parent
// follows its children, so a working group's `Create`/`Update` of a
// deliverable reaches it; so does the group's `Update(Group)` (its goal, end
// date and archived state, and its `deliverables` collection). Only what a
// verified child link allows is kept, and only as the child's own server
// serves it (fetched signed as the parent, a member of a closed child).
import type { Context } from "@fedify/fedify";
import type { Activity } from "@fedify/vocab";
import { getLogger } from "@logtape/logtape";
import type { CommunityLinkRow } from "../../db/schema.ts";
import type { Community } from "../../domain/community.ts";
import { DELIVERABLE_STATUSES, MAX_TITLE, parseDate, validateResourceUri } from "../../domain/working-groups.ts";
import type { AppServices } from "../../services.ts";
import { DELIVERABLE_TYPE } from "../deliverables.ts";
import { localCommunityOf } from "../addressing.ts";
import { PRAXIS_NS } from "../group-extensions.ts";
import { first, idOf, praxisValue, textOf } from "../json-values.ts";

const logger = getLogger(["praxis", "federation", "inbox", "deliverables"]);

type Ctx = Context<AppServices>;
type Json = Record<string, any>;

/** Most deliverables read from one group's collection. */
const MAX_ITEMS = 200;

const DELIVERABLE_PATH = /\/deliverables\/[^/]+$/;

function isDeliverableType(v: unknown): boolean {
  const types = Array.isArray(v) ? v : [v];
  return types.some((t) => t === DELIVERABLE_TYPE || t === `praxis:${DELIVERABLE_TYPE}` || t === `${PRAXIS_NS}${DELIVERABLE_TYPE}`);
}

/** Links of local communities to `groupUri` as their sub-community, agreed to. */
async function childLinks(ctx: Ctx, groupUri: string): Promise<{ link: CommunityLinkRow; community: Community }[]> {
  const { repos } = ctx.data;
  const out: { link: CommunityLinkRow; community: Community }[] = [];
  for (const link of await repos.links.withPeer(groupUri)) {
    if (link.relation !== "child" || (link.status !== "active" && link.status !== "accepted")) continue;
    const community = await repos.communities.findById(link.community_id);
    if (community && !community.deletedAt) out.push({ link, community });
  }
  return out;
}

async function fetchAs(ctx: Ctx, community: Community, url: string): Promise<Json | null> {
  const loader = await ctx.getDocumentLoader({ identifier: community.slug });
  const { document } = await loader(url);
  return document && typeof document === "object" && !Array.isArray(document) ? document as Json : null;
}

/** Reads a deliverable as its group's server serves it; null if it is not one of the group's. */
export function readDeliverable(doc: Json, groupUri: string): {
  objectUri: string; title: string; status: string; due: string | null; resourceUri: string | null;
} | null {
  const id = idOf(doc);
  if (!id || !isDeliverableType(doc.type)) return null;
  if (new URL(id).origin !== new URL(groupUri).origin || idOf(first(doc.attributedTo)) !== groupUri) return null;
  const title = (textOf(doc.name) ?? "").trim().slice(0, MAX_TITLE);
  const status = textOf(praxisValue(doc, "deliverableStatus"));
  if (!title || !status || !(DELIVERABLE_STATUSES as readonly string[]).includes(status)) return null;
  let due: string | null = null;
  let resourceUri: string | null = null;
  try {
    const d = textOf(praxisValue(doc, "due"));
    due = d ? parseDate("due", d) : null;
  } catch { /* an invalid date is left out */ }
  try {
    const u = idOf(first(doc.url)) ?? (first(doc.url) as Json | undefined)?.href ?? null;
    resourceUri = typeof u === "string" ? validateResourceUri(u) : null;
  } catch { /* an invalid URI is left out */ }
  return { objectUri: id, title, status, due, resourceUri };
}

/**
 * `Create` or `Update` of a deliverable by a linked sub-community: stored
 * for each local parent. Returns false when the activity is not one (the
 * usual handlers then take it).
 */
export async function onDeliverableActivity(ctx: Ctx, activity: Activity): Promise<boolean> {
  const actor = activity.actorId;
  const objectId = activity.objectId;
  if (!actor || !objectId || activity.actorIds.length !== 1) return false;
  if (objectId.origin !== actor.origin || !DELIVERABLE_PATH.test(objectId.pathname)) return false;
  const parents = await childLinks(ctx, actor.href);
  if (parents.length === 0) return false;
  for (const { community } of parents) {
    const doc = await fetchAs(ctx, community, objectId.href).catch(() => null);
    const d = doc ? readDeliverable(doc, actor.href) : null;
    if (!d || d.objectUri !== objectId.href) {
      logger.info("{community} ignores {object} from {peer}: not a deliverable of it", { community: community.slug, object: objectId.href, peer: actor.href });
      continue;
    }
    await ctx.data.repos.deliverables.putNetwork({ communityId: community.id, groupUri: actor.href, url: d.objectUri, ...d });
    logger.info("{community} holds deliverable {object} of its sub-community {peer}", { community: community.slug, object: d.objectUri, peer: actor.href });
  }
  return true;
}

/**
 * A linked sub-community updated its Group. Verifying the link (just done
 * by onGroupUpdate) re-read its document, and with it the working-group
 * state (src/federation/working-group-state.ts); a working group's
 * `deliverables` collection is then re-read too, which brings those made
 * before the link and any change missed.
 */
export async function onWorkingGroupUpdate(ctx: Ctx, groupUri: string): Promise<void> {
  const { repos } = ctx.data;
  const origin = new URL(groupUri).origin;
  const parents = await childLinks(ctx, groupUri);
  if (parents.length === 0) return;
  const local = await localCommunityOf(ctx, groupUri);
  if (local) {
    if (local.stream !== "build" && local.archivedAt === null) return;
    await repos.deliverables.putGroup({ uri: groupUri, name: local.name, goal: local.goal, endsAt: local.endsAt, archivedAt: local.archivedAt });
  } else if (!(await repos.deliverables.getGroup(groupUri))) {
    return; // not a working group: nothing more to read
  }
  const collection = new URL(`${new URL(groupUri).pathname.replace(/\/$/, "")}/deliverables`, origin).href;
  for (const { community } of parents) {
    const page = await fetchAs(ctx, community, collection).catch(() => null);
    if (!page || idOf(page) !== collection) continue;
    const items = page.orderedItems ?? page.items ?? [];
    for (const item of (Array.isArray(items) ? items : [items]).slice(0, MAX_ITEMS)) {
      // Embedded in a collection its own server served: as authoritative as the object.
      const object = typeof item === "string" && new URL(item).origin === origin
        ? await fetchAs(ctx, community, item).catch(() => null) : item as Json;
      const d = object ? readDeliverable(object, groupUri) : null;
      if (d) await repos.deliverables.putNetwork({ communityId: community.id, groupUri, url: d.objectUri, ...d });
    }
  }
}
