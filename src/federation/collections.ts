// The Group's collections: followers (the members), outbox (what it has
// announced), featured (pinned posts), following, and moderators.
import type { Federation, RequestContext } from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";
import {
  Activity, Article, Audio, Event, type Object as APObject, Note, Page, Person, PUBLIC_COLLECTION, Question, type Recipient, Video,
} from "@fedify/vocab";
import type { PostRow } from "../db/schema.ts";
import { instant } from "./time.ts";
import { postPath } from "../domain/paths.ts";
import { publicOrigin } from "./origin.ts";
import type { AppServices } from "../services.ts";
import { isPubliclyAddressed } from "../domain/access.ts";
import { mayReadCommunityContent } from "./access.ts";
import { INSTANCE_ACTOR } from "./addressing.ts";
import { MODERATION_ACTOR, moderationActorUri } from "./moderation.ts";
import { resourceObjects } from "./resources.ts";

const logger = getLogger(["praxis", "federation", "collections"]);

const PAGE_SIZE = 50;

function parseCursor(cursor: string): number | null {
  return /^\d{1,9}$/.test(cursor) ? Number(cursor) : null;
}

async function liveCommunity(ctx: RequestContext<AppServices> | { data: AppServices }, identifier: string) {
  if (identifier === INSTANCE_ACTOR || identifier === MODERATION_ACTOR) return null;
  const community = await ctx.data.repos.communities.findBySlug(identifier);
  return community && !community.deletedAt ? community : null;
}

export function registerCollections(federation: Federation<AppServices>): void {
  federation
    .setFollowersDispatcher("/c/{identifier}/followers", async (ctx, identifier, cursor) => {
      const community = await liveCommunity(ctx, identifier);
      if (!community) return null;
      const toRecipient = (m: { actorUri: string; inbox: string | null; sharedInbox: string | null }): Recipient => ({
        id: new URL(m.actorUri),
        inboxId: m.inbox ? new URL(m.inbox) : null,
        endpoints: m.sharedInbox ? { sharedInbox: new URL(m.sharedInbox) } : null,
      });
      // Delivery (sendActivity to "followers") asks with a null cursor and
      // must get every member; only public GETs are paged.
      if (cursor === null) {
        const members = await ctx.data.repos.memberships.list(community.id, "accepted");
        // Members on hosts the domain policy refuses get nothing (the
        // delivery gate would drop those deliveries anyway).
        const policy = ctx.data.domainPolicy;
        const reachable = [];
        for (const m of members) if (await policy.allowsUri(m.sharedInbox ?? m.inbox ?? m.actorUri)) reachable.push(m);
        return { items: reachable.map(toRecipient) };
      }
      const offset = parseCursor(cursor);
      if (offset === null) return null;
      const page = await ctx.data.repos.memberships.list(community.id, "accepted", { limit: PAGE_SIZE + 1, offset });
      return {
        items: page.slice(0, PAGE_SIZE).map(toRecipient),
        nextCursor: page.length > PAGE_SIZE ? String(offset + PAGE_SIZE) : null,
      };
    })
    .setFirstCursor(() => "0")
    .setCounter(async (ctx, identifier) => {
      const community = await liveCommunity(ctx, identifier);
      return community ? ctx.data.repos.memberships.count(community.id) : null;
    })
    // A closed community's member count is public (its page shows it); the
    // pages that list the members are for members.
    .authorize((ctx, identifier) => ctx.url.searchParams.has("cursor") ? mayReadCommunityContent(ctx, identifier) : true);

  federation
    .setOutboxDispatcher("/c/{identifier}/outbox", async (ctx, identifier, cursor) => {
      const community = await liveCommunity(ctx, identifier);
      if (!community || cursor === null) return community ? { items: [] } : null;
      const offset = parseCursor(cursor);
      if (offset === null) return null;
      const rows = await ctx.data.repos.activities.page(community.id, PAGE_SIZE + 1, offset);
      const items: Activity[] = [];
      for (const row of rows.slice(0, PAGE_SIZE)) {
        // An open community's outbox lists what it sent to Public; what it
        // sent to its followers while it was closed stays theirs. A closed
        // community's outbox is served to members only (authorize below).
        if (!community.closed && !isPubliclyAddressed(row.json)) continue;
        // A row Fedify cannot read back (an activity recorded by an older
        // version, say) is left out of the page rather than failing it.
        try {
          items.push(await Activity.fromJsonLd(row.json, { documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader }));
        } catch (error) {
          logger.warn("Outbox of {community}: leaving out {id}, which cannot be rendered: {error}", { community: community.slug, id: row.activityUri, error: String(error) });
        }
      }
      return { items, nextCursor: rows.length > PAGE_SIZE ? String(offset + PAGE_SIZE) : null };
    })
    .setFirstCursor(() => "0")
    .setCounter(async (ctx, identifier) => {
      const community = await liveCommunity(ctx, identifier);
      return community ? ctx.data.repos.activities.count(community.id) : null;
    })
    .authorize(mayReadCommunityContent);

  // Communities follow nothing yet; the collection exists because clients
  // and the Group's `following` property expect it.
  federation
    .setFollowingDispatcher("/c/{identifier}/following", async (ctx, identifier) => {
      const community = await liveCommunity(ctx, identifier);
      return community ? { items: [] as URL[] } : null;
    })
    .setCounter(async (ctx, identifier) => ((await liveCommunity(ctx, identifier)) ? 0 : null));

  // Pinned posts, embedded: Lemmy reads the collection's items as full
  // objects, Mastodon shows them as the Group's pinned posts.
  federation
    .setFeaturedDispatcher("/c/{identifier}/featured", async (ctx, identifier) => {
      const community = await liveCommunity(ctx, identifier);
      if (!community) return null;
      const group = ctx.getActorUri(community.slug);
      const items = (await ctx.data.repos.posts.pinned(community.id))
        .map((p) => pinnedObject(p, group, new URL(postPath(community.slug, p.id), publicOrigin(ctx))));
      // The resource centre is pinned too (src/federation/resources.ts).
      return { items: [...items, ...await resourceObjects(ctx, community, { featured: true })] };
    })
    .authorize(mayReadCommunityContent);

  // Lemmy, Mbin, PieFed and NodeBB read a community's moderators from the
  // ordered collection its attributedTo points at.
  // Items are the ids of the actors linked to the moderators' accounts;
  // Fedify serialises URL items as plain ids.
  federation
    .setOrderedCollectionDispatcher("moderators", Person, "/c/{identifier}/moderators", async (ctx, values) => {
      const community = await liveCommunity(ctx, values.identifier);
      if (!community) return null;
      const accounts = await ctx.data.repos.moderators.listAccounts(community.id);
      // The instance's moderation actor signs every moderation activity
      // (Block, Lock, removals); Lemmy accepts those only from a listed moderator.
      const ids = [moderationActorUri(ctx), ...accounts.flatMap((a) => (a.actor_uri ? [new URL(a.actor_uri)] : []))];
      return { items: ids as unknown as Person[] };
    })
    .setCounter(async (ctx, values) => {
      const community = await liveCommunity(ctx, values.identifier);
      if (!community) return null;
      return 1 + (await ctx.data.repos.moderators.listAccounts(community.id)).filter((a) => a.actor_uri).length;
    });
}

const POST_CLASSES = { Note, Article, Page, Question, Video, Audio, Event } as const;

/** A stored post as the object the featured collection embeds. */
function pinnedObject(post: PostRow, group: URL, page: URL): APObject {
  const Cls = POST_CLASSES[post.type as keyof typeof POST_CLASSES] ?? Note;
  return new Cls({
    id: new URL(post.object_uri),
    attribution: new URL(post.author_uri),
    name: post.name,
    summary: post.summary,
    content: post.content,
    // Its page on Praxis, with its replies (the id leads to the original).
    url: page,
    published: instant(post.published),
    startTime: post.starts_at ? instant(post.starts_at) : null,
    endTime: post.ends_at ? instant(post.ends_at) : null,
    sensitive: post.sensitive === null ? null : post.sensitive === 1,
    replyTarget: post.in_reply_to ? new URL(post.in_reply_to) : null,
    to: PUBLIC_COLLECTION,
    cc: group,
    audience: group,
  });
}
