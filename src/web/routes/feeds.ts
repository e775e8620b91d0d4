// Feeds of a community (Atom and RSS) and of its network (Atom: what its
// sub-communities rolled up and its parents cascaded), built with the
// `feed` library. Only for communities whose posts are public.
import { Feed, type Item } from "feed";
import { type Context, Hono } from "hono";
import type { Community } from "../../domain/community.ts";
import { summaryRole } from "../../domain/posts.ts";
import type { Attachment } from "../../domain/media.ts";
import { cacheable } from "../http.ts";
import { t } from "../i18n.ts";
import type { PageData } from "../page-data.ts";
import type { WebEnv } from "../public-origin.ts";
import { escapeHtml, sanitizeRemoteHtml } from "../sanitize.ts";
import { mayViewContent } from "../visibility.ts";
import type { Lang, NetworkPostView, PostView } from "../views.ts";

/** Entries per feed. */
export const FEED_SIZE = 30;

function plain(htmlText: string | null): string {
  return (htmlText ?? "").replace(/<[^>]*>/g, " ").replace(/&nbsp;/g, " ").replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) =>
    ({ amp: "&", lt: "<", gt: ">", quot: "\"", "#39": "'" } as Record<string, string>)[e]).replace(/\s+/g, " ").trim();
}

function titleOf(post: { name: string | null; contentHtml: string | null; authorName: string | null; authorHandle: string | null; authorUri: string | null }, lang: Lang): string {
  if (post.name) return post.name;
  const text = plain(post.contentHtml);
  if (text) return [...text].length > 80 ? `${[...text].slice(0, 79).join("").trimEnd()}…` : text;
  return t(lang, "posts.untitled", { author: post.authorName || post.authorHandle || post.authorUri || "?" });
}

/** Sanitised content with the attachments as images and links; a Note's
 *  summary as its content warning, another type's as an excerpt standing
 *  in for missing content (domain/posts.ts). */
function contentOf(post: { contentHtml: string | null; summary?: string | null; type?: string; sensitive?: boolean | null; attachments?: Attachment[] }, lang: Lang): string {
  const media = (post.attachments ?? []).map((a) => a.kind === "image"
    ? `<p><img src="${escapeHtml(a.url)}" alt="${escapeHtml(a.description ?? t(lang, "media.imageNoDescription"))}"></p>`
    : `<p><a href="${escapeHtml(a.url)}">${escapeHtml(a.description ?? a.url)}</a></p>`).join("");
  const role = post.summary?.trim() ? summaryRole(post.type ?? "Note", post.sensitive ?? null) : null;
  const warning = role === "content-warning" ? `<p><strong>${escapeHtml(t(lang, "posts.contentWarning"))} ${escapeHtml(plain(post.summary!))}</strong></p>` : "";
  const body = post.contentHtml?.trim() ? post.contentHtml : role === "excerpt" ? post.summary! : "";
  return warning + sanitizeRemoteHtml(body) + media;
}

export function feedRoutes({ data, langOf }: { data: PageData; langOf: (c: Context) => Lang }): Hono<WebEnv> {
  const r = new Hono<WebEnv>();
  const { repos, config } = data.services;
  const abs = (path: string) => new URL(path, config.origin).href;

  async function publicCommunity(slug: string): Promise<Community | null> {
    const community = await repos.communities.findBySlug(slug);
    return community && !community.deletedAt && mayViewContent(community) ? community : null;
  }

  function newFeed(community: Community, lang: Lang, kind: "posts" | "network", updated: Date): Feed {
    const base = `/c/${community.slug}`;
    return new Feed({
      id: abs(kind === "posts" ? `${base}/feed.atom` : `${base}/network.atom`),
      title: t(lang, kind === "posts" ? "feed.posts" : "feed.network", { name: community.name }),
      description: community.summary || undefined,
      link: abs(kind === "posts" ? base : `${base}/network`),
      language: community.languages[0] ?? lang,
      updated,
      generator: "Praxis",
      favicon: abs("/favicon.ico"),
      copyright: "",
      feedLinks: kind === "posts" ? { atom: abs(`${base}/feed.atom`), rss: abs(`${base}/feed.rss`) } : { atom: abs(`${base}/network.atom`) },
    });
  }

  function postItem(post: PostView, lang: Lang): Item {
    return {
      title: titleOf(post, lang),
      id: post.objectUri,
      link: abs(post.permalink ?? post.url),
      date: new Date(post.published),
      published: new Date(post.published),
      content: contentOf(post, lang),
      author: [{ name: post.authorName || post.authorHandle || post.authorUri, link: post.authorUri }],
    };
  }

  function networkItem(post: NetworkPostView, lang: Lang): Item {
    const via = t(lang, "feed.fromVia", { community: post.via.name ?? post.via.uri });
    return {
      title: titleOf(post, lang),
      id: post.objectUri,
      link: post.url,
      date: new Date(post.published),
      content: `<p><em>${escapeHtml(via)}</em></p>${contentOf(post, lang)}`,
      author: [{ name: post.authorName || post.authorHandle || post.authorUri || via, ...(post.authorUri ? { link: post.authorUri } : {}) }],
    };
  }

  async function postsFeed(c: Context<WebEnv>, format: "atom" | "rss") {
    const community = await publicCommunity(c.req.param("slug") ?? "");
    if (!community) return c.text("Not found", 404);
    const lang = langOf(c);
    const posts = await data.postViews(community, await repos.posts.newest(community.id, FEED_SIZE));
    const feed = newFeed(community, lang, "posts", new Date(posts[0]?.published ?? community.updatedAt));
    for (const post of posts) feed.addItem(postItem(post, lang));
    return format === "atom"
      ? c.body(feed.atom1(), 200, { "Content-Type": "application/atom+xml; charset=utf-8" })
      : c.body(feed.rss2(), 200, { "Content-Type": "application/rss+xml; charset=utf-8" });
  }

  r.get("/c/:slug/feed.atom", cacheable, (c) => postsFeed(c, "atom"));
  r.get("/c/:slug/feed.rss", cacheable, (c) => postsFeed(c, "rss"));

  r.get("/c/:slug/network.atom", cacheable, async (c) => {
    const community = await publicCommunity(c.req.param("slug"));
    if (!community) return c.text("Not found", 404);
    const lang = langOf(c);
    const { groups } = await data.network.graph(community);
    const rows = [...await repos.networkPosts.recent(community.id, "up", FEED_SIZE), ...await repos.networkPosts.recent(community.id, "down", FEED_SIZE)]
      .sort((a, b) => (b.received_at < a.received_at ? -1 : 1)).slice(0, FEED_SIZE);
    const posts = await data.networkPostViews(rows, groups);
    const feed = newFeed(community, lang, "network", new Date(rows[0]?.received_at ?? community.updatedAt));
    for (const post of posts) feed.addItem(networkItem(post, lang));
    return c.body(feed.atom1(), 200, { "Content-Type": "application/atom+xml; charset=utf-8" });
  });

  return r;
}
