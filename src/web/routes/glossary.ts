// The glossary's addresses: /c/<slug>/glossary (the Group's `glossary`
// collection to ActivityPub clients, the glossary page to browsers) and
// /c/<slug>/glossary/<id> (one definition; browsers go to its place on the
// page). Plain Hono routes with content negotiation rather than Fedify
// dispatchers, so the objects keep their Praxis terms; a closed
// community's glossary answers only requests signed by a member, a
// moderator or a member's server (src/federation/access.ts), like its
// outbox, or by one of its closed descendants (glossary-access.ts).
import type { Federation } from "@fedify/fedify";
import { type Context, Hono } from "hono";
import type { Community } from "../../domain/community.ts";
import { termAnchor } from "../../domain/glossary.ts";
import { mayReadGlossary } from "../../federation/glossary-access.ts";
import { entryObject, glossaryCollection, withContext } from "../../federation/glossary.ts";
import { listTermsOf } from "../../operations/glossary.ts";
import type { AppServices } from "../../services.ts";
import type { PageData } from "../page-data.ts";
import { renderErrorPage } from "../pages/error.ts";
import { renderGlossaryPage } from "../pages/glossary.ts";
import type { WebEnv } from "../public-origin.ts";
import { mayViewContent } from "../visibility.ts";
import type { Lang } from "../views.ts";

export interface GlossaryRouteDeps {
  federation: Federation<AppServices>;
  services: AppServices;
  data: PageData;
  langOf: (c: Context) => Lang;
}

const AP_TYPES = /application\/(activity\+json|ld\+json|json)/i;

/** Whether the client asks for ActivityPub JSON (and does not prefer HTML). */
export function wantsActivityJson(accept: string | undefined): boolean {
  if (!accept) return false;
  const first = accept.split(",")[0]?.trim().toLowerCase() ?? "";
  if (first.startsWith("text/html") || first.startsWith("application/xhtml+xml")) return false;
  return AP_TYPES.test(accept);
}

const AP_HEADERS = { "Content-Type": "application/activity+json", Vary: "Accept" };

export function glossaryRoutes({ federation, services, data, langOf }: GlossaryRouteDeps): Hono<WebEnv> {
  const r = new Hono<WebEnv>();
  const { repos, config } = services;

  async function live(slug: string): Promise<Community | null> {
    const community = await repos.communities.findBySlug(slug);
    return community && !community.deletedAt ? community : null;
  }

  /** For a closed community: null if the signer may read, else the 401 to answer. */
  async function membersOnly(c: Context<WebEnv>, community: Community): Promise<Response | null> {
    if (!community.closed) return null;
    if (await mayReadGlossary(federation.createContext(c.req.raw, services), community)) return null;
    return c.json({ error: "This glossary is for the community's members: sign the request as a member or a member's server." }, 401,
      { Vary: "Accept, Signature, Signature-Input" });
  }

  function json(c: Context<WebEnv>, body: unknown, community: Community): Response {
    const headers: Record<string, string> = { ...AP_HEADERS };
    if (community.closed) {
      // The answer depends on who signed: no shared cache may keep it.
      headers["Cache-Control"] = "private";
      headers.Vary = "Accept, Signature, Signature-Input";
    }
    return c.body(JSON.stringify(body), 200, headers);
  }

  r.get("/c/:slug/glossary", async (c) => {
    const community = await live(c.req.param("slug"));
    if (wantsActivityJson(c.req.header("accept"))) {
      if (!community) return c.json({ error: "Not found" }, 404);
      const refused = await membersOnly(c, community);
      if (refused) return refused;
      return json(c, glossaryCollection(config.origin, community, await repos.glossary.list(community.id)), community);
    }
    const lang = langOf(c);
    if (!community) return c.html(renderErrorPage({ instance: data.instance(lang), status: 404 }, lang), 404);
    const visible = mayViewContent(community);
    const entries = visible ? await listTermsOf({ services, federation }, community, { wait: false }) : [];
    return c.html(renderGlossaryPage({
      instance: data.instance(lang),
      community: { slug: community.slug, name: community.name, url: new URL(`/c/${community.slug}`, config.origin).href },
      entries, contentVisible: visible, url: new URL(c.req.url),
    }, lang), 200, { Vary: "Accept" });
  });

  r.get("/c/:slug/glossary/:id", async (c) => {
    const community = await live(c.req.param("slug"));
    const row = community ? await repos.glossary.byId(c.req.param("id")) : null;
    const found = community && row && row.community_id === community.id ? { community, row } : null;
    if (wantsActivityJson(c.req.header("accept"))) {
      if (!found) return c.json({ error: "Not found" }, 404);
      const refused = await membersOnly(c, found.community);
      if (refused) return refused;
      return json(c, withContext(entryObject(config.origin, found.community, found.row)), found.community);
    }
    const lang = langOf(c);
    if (!found) return c.html(renderErrorPage({ instance: data.instance(lang), status: 404 }, lang), 404);
    return c.redirect(`/c/${found.community.slug}/glossary#${termAnchor(found.row.term_key, found.row.language)}`, 303);
  });

  return r;
}
