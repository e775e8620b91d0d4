// The resource centre's pages: a page per resource (at its ActivityPub id,
// which Fedify answers to ActivityPub clients), the centre, and the
// community's practice statuses.
import { Hono } from "hono";
import { childDeliverablesOf } from "../../operations/deliverables.ts";
import type { AppServices } from "../../services.ts";
import type { Community } from "../../domain/community.ts";
import type { ResourceRow } from "../../db/schema.ts";
import { isPracticeStatus } from "../../domain/practice.ts";
import { cacheable } from "../http.ts";
import { renderErrorPage } from "../pages/error.ts";
import { renderPracticePage, renderResourceCentrePage, renderResourcePage, type ResourceCard } from "../pages/resources.ts";
import type { WebEnv } from "../public-origin.ts";
import { mayViewContent } from "../visibility.ts";
import type { Lang } from "../views.ts";
import type { RouteDeps } from "./public.ts";

/** A resource's id and page: an article's under /resources/, a link's under /documents/. */
export function resourcePath(slug: string, r: Pick<ResourceRow, "id" | "form">): string {
  return `/c/${slug}/${r.form === "article" ? "resources" : "documents"}/${r.id}`;
}

export function resourceCard(origin: string, slug: string, r: ResourceRow): ResourceCard {
  return {
    title: r.title, uri: new URL(resourcePath(slug, r), origin).href, form: r.form, kind: r.kind, language: r.language,
    version: r.version, practiceStatus: r.practice_status, updatedAt: r.updated_at,
  };
}

/** The finished deliverables of the community's archived working groups, as resource-centre cards. */
export async function workingGroupResultCards(services: AppServices, community: Community): Promise<ResourceCard[]> {
  return (await childDeliverablesOf(services, community))
    .filter((d) => d.group.archived && d.status === "done")
    .map((d) => ({
      title: d.title, uri: d.resourceUri ?? d.uri, form: "deliverable", kind: "other", language: null, version: 1,
      practiceStatus: null, updatedAt: d.receivedAt, from: d.group.name ?? d.group.uri,
    }));
}

export function resourceRoutes({ data, langOf }: RouteDeps): Hono<WebEnv> {
  const r = new Hono<WebEnv>();
  const { repos, config } = data.services;
  const error = (lang: Lang, status: 403 | 404 | 410) => renderErrorPage({ instance: data.instance(lang), status }, lang);

  async function readable(slug: string, lang: Lang): Promise<Community | { status: 403 | 404 | 410 }> {
    const community = await repos.communities.findBySlug(slug);
    if (!community) return { status: 404 };
    if (community.deletedAt) return { status: 410 };
    if (!mayViewContent(community)) return { status: 403 };
    void lang;
    return community;
  }
  const summary = (c: Community) => ({ slug: c.slug, name: c.name, url: new URL(`/c/${c.slug}`, config.origin).href });

  const page = (form: ResourceRow["form"]) => async (c: import("hono").Context<WebEnv>) => {
    const lang = langOf(c);
    const community = await readable(c.req.param("slug")!, lang);
    if ("status" in community) return c.html(error(lang, community.status), community.status);
    const row = await repos.resources.get(community.id, c.req.param("id")!);
    if (!row || row.form !== form) return c.html(error(lang, 404), 404);
    if (row.deleted_at) return c.html(error(lang, 410), 410);
    const versions = await repos.resources.versions(row.id);
    return c.html(renderResourcePage({
      instance: data.instance(lang), community: summary(community),
      resource: { ...resourceCard(config.origin, community.slug, row), url: row.url, html: row.html },
      versions: versions.map((v) => ({ version: v.version, title: v.title, createdAt: v.created_at })),
      url: new URL(c.req.url),
    }, lang));
  };
  r.get("/c/:slug/resources/:id", cacheable, page("article"));
  r.get("/c/:slug/documents/:id", cacheable, page("link"));

  r.get("/c/:slug/resources", cacheable, async (c) => {
    const lang = langOf(c);
    const community = await readable(c.req.param("slug"), lang);
    if ("status" in community) return c.html(error(lang, community.status), community.status);
    const resources = [
      ...(await repos.resources.list(community.id)).map((x) => resourceCard(config.origin, community.slug, x)),
      ...await workingGroupResultCards(data.services, community),
    ];
    return c.html(renderResourceCentrePage({ instance: data.instance(lang), community: summary(community), resources, url: new URL(c.req.url) }, lang));
  });

  // A practice Note's id, opened in a browser: the community's practice list, at that mark.
  r.get("/c/:slug/practice/:id", cacheable, async (c) => {
    const lang = langOf(c);
    const community = await readable(c.req.param("slug"), lang);
    if ("status" in community) return c.html(error(lang, community.status), community.status);
    const mark = await repos.practice.get(c.req.param("id"));
    if (!mark || mark.community_id !== community.id || mark.direction !== "own") return c.html(error(lang, 404), 404);
    return c.redirect(`/c/${community.slug}/practice#mark-${mark.id}`, 303);
  });

  r.get("/c/:slug/practice", cacheable, async (c) => {
    const lang = langOf(c);
    const community = await readable(c.req.param("slug"), lang);
    if ("status" in community) return c.html(error(lang, community.status), community.status);
    const wanted = c.req.query("status");
    const marks = await repos.practice.list(community.id, {
      directions: ["own", "down"], ...(isPracticeStatus(wanted) ? { status: wanted } : {}),
    });
    const practices = marks.map((m) => ({
      id: m.id, object: m.object_uri, title: m.title, status: m.status, note: m.note, origin: m.direction === "down" ? m.origin_uri : null,
    }));
    return c.html(renderPracticePage({ instance: data.instance(lang), community: summary(community), practices, url: new URL(c.req.url) }, lang));
  });

  return r;
}
