// Practice statuses along the fractal network. A linked Group's mark
// arrives as its own object, fetched from its origin: a resource of its own
// carrying `praxis:practiceStatus` (in an `Update`), or the `Note` it
// publishes about a post (`Announce(Create)` the first time, `Update`
// after). From a sub-community it becomes an offer to this community
// (`praxis practice offers`, promotable); from a parent it is inherited
// (`praxis practice list` shows it with its origin).
import type { InboxContext } from "@fedify/fedify";
import { Document, type Object as APObject, type Update } from "@fedify/vocab";
import { getLogger } from "@logtape/logtape";
import type { CommunityLinkRow } from "../../db/schema.ts";
import { isPublicVisibility } from "../../domain/addressing.ts";
import { mayFlow } from "../../domain/network.ts";
import { isPracticeStatus } from "../../domain/practice.ts";
import type { AppServices } from "../../services.ts";
import { localCommunityOf, visibilityOfObject } from "../addressing.ts";
import { mediaOf } from "../attachments.ts";
import { lenientLoader } from "../lenient-json.ts";
import { isPostObject, urlOf } from "../objects.ts";
import { praxisTerm } from "../resource-objects.ts";
import { isoOf } from "../time.ts";

const logger = getLogger(["praxis", "federation", "inbox", "practice"]);

type Ctx = InboxContext<AppServices>;

/** What Praxis relays along links: posts, and Documents (link resources). */
export function isNetworkObject(o: unknown): o is APObject {
  return isPostObject(o) || o instanceof Document;
}

async function closedOf(ctx: Ctx, uri: string): Promise<boolean | null> {
  const local = await localCommunityOf(ctx, uri);
  if (local) return local.closed;
  const cached = await ctx.data.repos.networkNodes.get(uri);
  return cached ? cached.closed === 1 : null;
}

/** Holds the object from the network (direction up), so that it can be promoted. */
async function holdForPromotion(ctx: Ctx, communityId: string, object: APObject, viaUri: string): Promise<void> {
  const id = object.id!;
  await ctx.data.repos.networkPosts.insertIfAbsent({
    communityId, objectUri: id.href, viaUri, direction: "up",
    authorUri: object.attributionIds.find((u) => u.origin === id.origin)?.href ?? null,
    name: object.name?.toString() ?? null,
    content: object.content?.toString() ?? null,
    url: urlOf(object),
    tags: [],
    published: isoOf(object.published),
    ...(await mediaOf(object)),
  });
}

/**
 * Records the practice status an object (as its origin serves it) carries,
 * for each local community linked to `viaUri` that its content may reach.
 */
export async function receivePractice(ctx: Ctx, links: CommunityLinkRow[], viaUri: string, object: APObject): Promise<void> {
  if (!object.id) return;
  const json = await object.toJsonLd({ contextLoader: ctx.contextLoader }).catch(() => null);
  const status = praxisTerm(json, "practiceStatus");
  if (!isPracticeStatus(status)) return;
  const objectId = object.id;
  // The Group that made the mark: the object's author on the object's own server.
  const origin = object.attributionIds.find((u) => u.origin === objectId.origin)?.href;
  if (!origin) return;
  let practiceOf = objectId.href;
  const of = praxisTerm(json, "practiceOf");
  if (of !== null) {
    try {
      const url = new URL(of);
      if (url.protocol !== "https:" && url.protocol !== "http:") return;
      practiceOf = url.href;
    } catch {
      return;
    }
  }
  if (!isPublicVisibility(visibilityOfObject(object))) return;
  const note = praxisTerm(json, "practiceNote");
  const sourceClosed = await closedOf(ctx, viaUri);
  const { repos } = ctx.data;
  for (const link of links) {
    const community = await repos.communities.findById(link.community_id);
    if (!community || community.deletedAt) continue;
    if (sourceClosed === null || !mayFlow({ closed: sourceClosed }, { closed: community.closed })) continue;
    const direction = link.relation === "child" ? "up" : "down";
    const held = await repos.networkPosts.find(community.id, practiceOf);
    await repos.practice.put({
      communityId: community.id, objectUri: practiceOf, status, note: note?.slice(0, 1000) ?? null, direction, originUri: origin,
      noteUri: practiceOf === objectId.href ? null : objectId.href,
      title: (practiceOf === objectId.href ? object.name?.toString() : held?.name) ?? null,
    });
    logger.info("{community} received {status} for {object} from {origin} ({direction})",
      { community: community.slug, status, object: practiceOf, origin, direction });
    // A best practice from a sub-community is offered for promotion: hold it if it is not held yet.
    if (direction === "up" && status === "best-practice" && !held) {
      const target = practiceOf === objectId.href
        ? object
        : await ctx.lookupObject(practiceOf, { documentLoader: lenientLoader(ctx.documentLoader) }).catch(() => null);
      if (isNetworkObject(target) && target.id?.href === practiceOf && isPublicVisibility(visibilityOfObject(target))) {
        await holdForPromotion(ctx, community.id, target, viaUri);
      }
    }
  }
}

/**
 * An `Update` from a linked Group of one of its own objects (a resource's
 * new version or status, a practice Note's new status): re-read from its
 * origin. Returns false when the Update is not from a linked Group, so that
 * the post handlers see it.
 */
export async function onLinkedGroupUpdate(ctx: Ctx, update: Update): Promise<boolean> {
  if (!update.actorId || !update.objectId) return false;
  const actor = update.actorId.href;
  const links = (await ctx.data.repos.links.withPeer(actor)).filter((l) => l.status === "active");
  if (links.length === 0) return false;
  if (update.objectId.origin !== update.actorId.origin) return false;
  const object = await ctx.lookupObject(update.objectId.href, { documentLoader: lenientLoader(ctx.documentLoader) }).catch(() => null);
  if (!isNetworkObject(object) || object.id?.href !== update.objectId.href) return false;
  if (!object.attributionIds.some((u) => u.href === actor)) return false;
  // A held copy follows the edit.
  const { repos } = ctx.data;
  for (const link of links) {
    const held = await repos.networkPosts.find(link.community_id, object.id.href);
    if (held) await repos.networkPosts.refresh(held.id, { name: object.name?.toString() ?? null, content: object.content?.toString() ?? null, url: urlOf(object) });
  }
  await receivePractice(ctx, links, actor, object);
  // A post the Group wrote into one of our communities is also the post handlers' business.
  return (await repos.posts.findByObject(object.id.href)).length === 0;
}
