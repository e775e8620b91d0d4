// The visitor pages: home, community (sorted, paged), thread pages, the
// network page, and browser-facing pages for the community's ActivityPub
// addresses. Mounted after Fedify, which answers the same addresses to
// ActivityPub clients.
import { type Context, Hono } from "hono";
import type { Community } from "../../domain/community.ts";
import type { ListingCursor, ThreadSort } from "../../db/repositories/posts.ts";
import type { WebEnv } from "../public-origin.ts";
import { cacheable } from "../http.ts";
import type { PageData } from "../page-data.ts";
import { postPath } from "../page-data.ts";
import { renderCollectionPage, type CollectionName } from "../pages/collection.ts";
import { renderCommunityPage } from "../pages/community.ts";
import { renderErrorPage } from "../pages/error.ts";
import { renderHomePage } from "../pages/home.ts";
import { renderNetworkPage } from "../pages/network-page.ts";
import { renderThreadPage } from "../pages/thread.ts";
import { mayViewContent } from "../visibility.ts";
import { upcomingMeetingViews } from "./meetings.ts";
import { resourceCard, workingGroupResultCards } from "./resources.ts";
import { workingGroupView } from "../working-groups-data.ts";
import type { Lang, Paging } from "../views.ts";

/** Threads per page of a community. */
export const PAGE_SIZE = 20;

const CURSOR = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)_([0-9a-f-]{36})$/i;

export function encodeCursor(c: ListingCursor): string {
  return `${c.at}_${c.id}`;
}

export function decodeCursor(value: string | undefined): ListingCursor | undefined | null {
  if (value === undefined || value === "") return undefined;
  const m = CURSOR.exec(value);
  return m ? { at: m[1], id: m[2].toLowerCase() } : null;
}

/** A browser's path under /c/<slug>/ → the collection it names. */
const COLLECTION_PATHS: Record<string, CollectionName> = {
  outbox: "outbox", followers: "followers", following: "following", featured: "featured",
  moderators: "moderators", inbox: "inbox", subcommunities: "subcommunities", parents: "parentCommunities",
};

export interface RouteDeps {
  data: PageData;
  langOf: (c: Context) => Lang;
}

export function publicRoutes({ data, langOf }: RouteDeps): Hono<WebEnv> {
  const r = new Hono<WebEnv>();
  const { repos } = data.services;

  /** The live community named in the path, or the error page to answer with. */
  async function liveCommunity(slug: string, lang: Lang): Promise<{ community: Community } | { status: 404 | 410; body: string }> {
    const community = await repos.communities.findBySlug(slug);
    if (!community) return { status: 404, body: renderErrorPage({ instance: data.instance(lang), status: 404 }, lang) };
    if (community.deletedAt) return { status: 410, body: renderErrorPage({ instance: data.instance(lang), status: 410 }, lang) };
    return { community };
  }

  r.get("/", cacheable, async (c) => {
    const lang = langOf(c);
    const communities = await Promise.all((await repos.communities.list()).map((x) => data.summaryOf(x)));
    return c.html(renderHomePage({ instance: data.instance(lang), communities, url: new URL(c.req.url) }, lang));
  });

  r.get("/c/:slug", cacheable, async (c) => {
    const lang = langOf(c);
    const found = await liveCommunity(c.req.param("slug"), lang);
    if (!("community" in found)) return c.html(found.body, found.status);
    const { community } = found;
    const url = new URL(c.req.url);
    const sort: ThreadSort = c.req.query("sort") === "active" ? "active" : "new";
    const before = decodeCursor(c.req.query("before"));
    const after = decodeCursor(c.req.query("after"));
    if (before === null || after === null) {
      return c.html(renderErrorPage({ instance: data.instance(lang), status: 400, detail: "before/after: not a page of this community" }, lang), 400);
    }
    const visible = mayViewContent(community);
    const base = `/c/${community.slug}`;
    const sortQuery = sort === "active" ? "sort=active&" : "";
    let posts: Awaited<ReturnType<PageData["postViews"]>> = [];
    let pinned: typeof posts = [];
    let paging: Paging | undefined;
    if (visible) {
      const listing = await repos.posts.threads(community.id, { sort, limit: PAGE_SIZE, before, after });
      posts = await data.postViews(community, listing.rows, { counts: true });
      if (!before && !after) pinned = await data.postViews(community, await repos.posts.pinned(community.id), { counts: true });
      paging = {
        sort,
        older: listing.older ? `${base}?${sortQuery}before=${encodeURIComponent(encodeCursor(listing.older))}` : null,
        newer: listing.newer ? `${base}?${sortQuery}after=${encodeURIComponent(encodeCursor(listing.newer))}` : null,
        sortLinks: { new: base, active: `${base}?sort=active` },
      };
    }
    // The resource centre and the practice badges (src/web/pages/resources.ts).
    let resources: ReturnType<typeof resourceCard>[] | undefined;
    if (visible) {
      resources = [
        ...(await repos.resources.list(community.id)).map((x) => resourceCard(data.services.config.origin, community.slug, x)),
        ...await workingGroupResultCards(data.services, community),
      ].slice(0, 10);
      const statuses = await repos.practice.ownStatuses(community.id);
      const badge = <T extends { objectUri: string }>(p: T) => ({ ...p, practiceStatus: statuses.get(p.objectUri) ?? null });
      posts = posts.map(badge);
      pinned = pinned.map(badge);
    }
    const { graph: network, groups } = await data.network.graph(community);
    const fromSubcommunities = visible ? await data.networkPostViews(await repos.networkPosts.recent(community.id, "up", 20), groups) : [];
    const fromParents = visible ? await data.networkPostViews(await repos.networkPosts.recent(community.id, "down", 10), groups) : [];
    return c.html(renderCommunityPage({
      instance: data.instance(lang),
      community: await data.details(community),
      meetings: visible ? await upcomingMeetingViews(data.services, community) : undefined,
      posts, pinned, paging, network, fromSubcommunities, fromParents, contentVisible: visible, url, resources,
      workingGroup: await workingGroupView(data.services, community, visible),
    }, lang));
  });

  r.get("/c/:slug/posts/:id", cacheable, async (c) => {
    const lang = langOf(c);
    const found = await liveCommunity(c.req.param("slug"), lang);
    if (!("community" in found)) return c.html(found.body, found.status);
    const { community } = found;
    const post = await repos.posts.byId(c.req.param("id"));
    if (!post || post.community_id !== community.id) return c.html(renderErrorPage({ instance: data.instance(lang), status: 404 }, lang), 404);
    if (!mayViewContent(community)) return c.html(renderErrorPage({ instance: data.instance(lang), status: 403 }, lang), 403);
    if (post.deleted_at !== null || post.removed_at !== null) return c.html(renderErrorPage({ instance: data.instance(lang), status: 410 }, lang), 410);
    const [view] = await data.postViews(community, [post], { counts: true });
    view.practiceStatus = (await repos.practice.ownStatuses(community.id)).get(view.objectUri) ?? null;
    const root = post.thread_uri ? await repos.posts.find(community.id, post.thread_uri) : null;
    return c.html(renderThreadPage({
      instance: data.instance(lang),
      community: { slug: community.slug, name: community.name, url: new URL(`/c/${community.slug}`, data.services.config.origin).href },
      post: view,
      threadStart: root && root.deleted_at === null && root.removed_at === null ? { permalink: postPath(community.slug, root.id) } : null,
      replies: await data.thread(community, post),
      locked: post.locked_at !== null || (root?.locked_at ?? null) !== null,
      url: new URL(c.req.url),
      canonical: new URL(postPath(community.slug, post.id), data.services.config.origin).href,
    }, lang));
  });

  r.get("/c/:slug/network", cacheable, async (c) => {
    const lang = langOf(c);
    const found = await liveCommunity(c.req.param("slug"), lang);
    if (!("community" in found)) return c.html(found.body, found.status);
    const { community } = found;
    const { graph } = await data.network.graph(community);
    const summary = await data.summaryOf(community);
    return c.html(renderNetworkPage({
      instance: data.instance(lang), community: summary, graph, url: new URL(c.req.url), contentVisible: mayViewContent(community),
    }, lang));
  });

  // Browsers opening the community's ActivityPub addresses (Fedify answers
  // ActivityPub clients before these routes are reached).
  r.get("/c/:slug/:collection{[a-zA-Z]+}", cacheable, async (c, next) => {
    const collection = COLLECTION_PATHS[c.req.param("collection")];
    if (!collection) return next();
    const lang = langOf(c);
    const found = await liveCommunity(c.req.param("slug"), lang);
    if (!("community" in found)) return c.html(found.body, found.status);
    return c.html(renderCollectionPage({ instance: data.instance(lang), community: found.community, collection }, lang));
  });

  return r;
}
