// The Hono application: Fedify's routes first, then the HTML pages.
import type { Federation } from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";
import { Hono } from "hono";
import { isDatabaseUnavailable, RETRY_AFTER_SECONDS } from "../db/faults.ts";
import { isPubliclyAddressed } from "../domain/access.ts";
import type { Community } from "../domain/community.ts";
import { membersOnlyRead } from "../federation/access.ts";
import type { AppServices } from "../services.ts";
import { ADMIN_API_PREFIX, createAdminApi } from "./admin/index.ts";
import { fedifyMiddleware } from "./fedify.ts";
import { publicOriginMiddleware, type WebEnv } from "./public-origin.ts";
import { pickLanguage } from "./i18n.ts";
import { renderCommunityPage } from "./pages/community.ts";
import { renderErrorPage } from "./pages/error.ts";
import { CONTENT_SECURITY_POLICY } from "./pages/layout.ts";
import { renderHomePage } from "./pages/home.ts";
import { labelOf } from "./pages/network.ts";
import { NetworkData } from "./network-data.ts";
import type { CommunitySummaryView, InstanceView, Lang, NetworkPostView, PostView } from "./views.ts";

const logger = getLogger(["praxis", "web"]);

export function createWebApp(federation: Federation<AppServices>, services: AppServices): Hono<WebEnv> {
  const { config, repos } = services;
  const app = new Hono<WebEnv>();
  const instance: InstanceView = {
    name: config.instanceName,
    description: config.instanceDescription,
    origin: config.origin,
    host: new URL(config.origin).host,
  };
  const networkData = new NetworkData(federation, services);
  const langOf = (c: { req: { header(n: string): string | undefined; query(n: string): string | undefined } }): Lang =>
    pickLanguage(c.req.header("accept-language"), c.req.query("lang"), config.defaultLanguage);

  async function summaryOf(community: Community): Promise<CommunitySummaryView> {
    const url = new URL(`/c/${community.slug}`, config.origin).href;
    return {
      slug: community.slug,
      name: community.name,
      summary: community.summary,
      scale: community.scale,
      stream: community.stream,
      languages: community.languages,
      closed: community.closed,
      memberCount: await repos.memberships.count(community.id),
      url,
      handle: `@${community.slug}@${instance.host}`,
    };
  }

  app.onError((error, c) => {
    if (isDatabaseUnavailable(error)) {
      // Locked by another process past the bound, or PostgreSQL down: the
      // request was not accepted, and the sender should simply retry.
      logger.warn("Database unavailable on {method} {path}: {error}", { method: c.req.method, path: c.req.path, error: (error as Error).message });
      const headers = { "Retry-After": String(RETRY_AFTER_SECONDS) };
      if (c.req.method === "GET" && /text\/html/.test(c.req.header("accept") ?? "")) {
        return c.html(renderErrorPage({ instance, status: 503 }, langOf(c)), 503, headers);
      }
      return c.text("The database is busy; retry later.", 503, headers);
    }
    logger.error("Unhandled error on {method} {path}: {error}", { method: c.req.method, path: c.req.path, error });
    return c.html(renderErrorPage({ instance, status: 500 }, langOf(c)), 500);
  });

  // First of all: the request as addressed to the public origin.
  app.use(publicOriginMiddleware(config));

  // The admin API answers its own routes before Fedify's middleware, which
  // would otherwise consume request bodies.
  app.route(ADMIN_API_PREFIX, createAdminApi({ services, federation }));

  app.use(fedifyMiddleware(federation, services));

  app.use(async (c, next) => {
    await next();
    c.header("X-Content-Type-Options", "nosniff");
    if (c.res.headers.get("content-type")?.startsWith("text/html")) {
      // Remote HTML is sanitised; the policy is the second line of defence.
      c.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
      c.header("Content-Language", langOf(c));
      c.header("Vary", "Accept, Accept-Language");
    }
  });

  app.get("/healthz", (c) => c.json({ ok: true }));

  app.get("/", async (c) => {
    const communities = await Promise.all((await repos.communities.list()).map(summaryOf));
    return c.html(renderHomePage({ instance, communities }, langOf(c)));
  });

  app.get("/c/:slug", async (c) => {
    const lang = langOf(c);
    const community = await repos.communities.findBySlug(c.req.param("slug"));
    if (!community) return c.html(renderErrorPage({ instance, status: 404 }, lang), 404);
    if (community.deletedAt) return c.html(renderErrorPage({ instance, status: 410 }, lang), 410);
    // A closed community's posts are for its members: the page has its
    // profile and a notice, and reads no post at all.
    const membersOnly = community.closed;
    const rows = membersOnly ? [] : await repos.posts.recent(community.id, 30);
    const authors = await repos.remoteActors.getMany([...new Set(rows.map((r) => r.author_uri))]);
    const posts: PostView[] = rows.map((r) => ({
      objectUri: r.object_uri,
      url: r.url ?? r.object_uri,
      authorUri: r.author_uri,
      authorName: authors.get(r.author_uri)?.name ?? null,
      authorHandle: authors.get(r.author_uri)?.handle ?? null,
      contentHtml: r.content,
      name: r.name,
      summary: r.summary,
      published: r.published,
      inReplyTo: r.in_reply_to,
      pinned: r.pinned_at !== null,
      locked: r.locked_at !== null,
    }));
    const { graph: network, groups } = await networkData.graph(community);
    const rolledUp = membersOnly ? [] : await repos.networkPosts.recent(community.id, "up", 20);
    const rolledUpAuthors = await repos.remoteActors.getMany(
      [...new Set(rolledUp.flatMap((r) => (r.author_uri === null ? [] : [r.author_uri])))]);
    const viaGroups = new Map(groups);
    for (const uri of new Set(rolledUp.map((r) => r.via_uri))) {
      // A sub-community no longer linked is still named from the cache.
      if (!viaGroups.has(uri)) {
        const group = await networkData.group(uri);
        if (group) viaGroups.set(uri, group);
      }
    }
    const fromSubcommunities: NetworkPostView[] = rolledUp.map((r) => {
      const via = viaGroups.get(r.via_uri) ?? null;
      const author = r.author_uri === null ? undefined : rolledUpAuthors.get(r.author_uri);
      return {
        objectUri: r.object_uri,
        url: r.url ?? r.object_uri,
        via: { uri: r.via_uri, name: labelOf(r.via_uri, via), url: via?.url ?? r.via_uri },
        authorUri: r.author_uri,
        authorName: author?.name ?? null,
        authorHandle: author?.handle ?? null,
        contentHtml: r.content,
        name: r.name,
        published: r.published ?? r.received_at,
        promoted: r.promoted_at !== null,
      };
    });
    const view = {
      instance,
      community: { ...(await summaryOf(community)), postingPolicy: community.postingPolicy, announcementOnly: community.announcementOnly, createdAt: community.createdAt },
      posts,
      network,
      fromSubcommunities,
      membersOnly,
    };
    return c.html(renderCommunityPage(view, lang));
  });

  // Activities the communities sent, dereferenceable by their ids. What a
  // community sent to Public is public while the community is open; the
  // rest (everything a closed community sent) only to members' signed fetches.
  app.get("/c/:slug/activities/:id", async (c) => {
    const uri = new URL(`/c/${c.req.param("slug")}/activities/${c.req.param("id")}`, config.origin).href;
    const activity = await repos.activities.getByUri(uri);
    if (!activity || activity.json === null || activity.kind === "accept" || activity.kind === "reject") {
      return c.json({ error: "Not found" }, 404);
    }
    const community = await repos.communities.findBySlug(c.req.param("slug"));
    if (!community) return c.json({ error: "Not found" }, 404);
    const headers: Record<string, string> = { "Content-Type": "application/activity+json", Vary: "Accept" };
    if (community.closed || !isPubliclyAddressed(activity.json)) {
      const decision = await membersOnlyRead(federation.createContext(c.req.raw, services), community);
      if (!decision.allowed) {
        return c.json({ error: "This activity is for the community's members: sign the request as a member or a member's server." }, 401);
      }
      // The answer depends on who signed: no shared cache may keep it.
      headers["Cache-Control"] = "private";
      headers.Vary = "Accept, Signature, Signature-Input";
    }
    return c.body(JSON.stringify(activity.json), 200, headers);
  });

  app.notFound((c) => {
    const wantsJson = /json/.test(c.req.header("accept") ?? "");
    if (wantsJson || c.req.method !== "GET") return c.json({ error: "Not found" }, 404);
    return c.html(renderErrorPage({ instance, status: 404 }, langOf(c)), 404);
  });

  return app;
}
