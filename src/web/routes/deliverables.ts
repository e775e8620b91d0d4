// A working group's deliverables at their own addresses: the object at
// /c/{slug}/deliverables/{id} and the Group's `deliverables` collection at
// /c/{slug}/deliverables. ActivityPub clients get JSON-LD; browsers are sent
// to the community page. A closed community's are for its members' signed
// fetches only (src/federation/access.ts), like its other content.
import type { Federation } from "@fedify/fedify";
import { type Context, Hono } from "hono";
import { membersOnlyRead } from "../../federation/access.ts";
import { deliverableDocument, deliverablesCollection } from "../../federation/deliverables.ts";
import type { Community } from "../../domain/community.ts";
import type { AppServices } from "../../services.ts";
import type { WebEnv } from "../public-origin.ts";

const wantsActivityJson = (c: Context) => /application\/(activity\+json|ld\+json)|application\/json/.test(c.req.header("accept") ?? "");

export function deliverableRoutes(federation: Federation<AppServices>, services: AppServices): Hono<WebEnv> {
  const r = new Hono<WebEnv>();
  const { repos, config } = services;

  /** The community, or a Response that answers instead (404, 401, a browser's redirect). */
  async function gate(c: Context<WebEnv>, fragment: string): Promise<Community | Response> {
    const slug = c.req.param("slug") ?? "";
    const community = await repos.communities.findBySlug(slug);
    if (!community || community.deletedAt) return c.json({ error: "Not found" }, 404);
    if (!wantsActivityJson(c)) return c.redirect(`/c/${encodeURIComponent(slug)}${fragment}`, 303);
    if (community.closed) {
      const decision = await membersOnlyRead(federation.createContext(c.req.raw, services), community);
      if (!decision.allowed) {
        return c.json({ error: "This community's deliverables are for its members: sign the request as a member or a member's server." }, 401);
      }
    }
    return community;
  }

  function answer(c: Context<WebEnv>, community: Community, body: unknown): Response {
    const headers: Record<string, string> = { "Content-Type": "application/activity+json", Vary: "Accept" };
    if (community.closed) {
      headers["Cache-Control"] = "private";
      headers.Vary = "Accept, Signature, Signature-Input";
    }
    return c.body(JSON.stringify(body), 200, headers);
  }

  r.get("/c/:slug/deliverables", async (c) => {
    const community = await gate(c, "#deliverables");
    if (community instanceof Response) return community;
    return answer(c, community, deliverablesCollection(config.origin, community, await repos.deliverables.list(community.id)));
  });

  r.get("/c/:slug/deliverables/:id", async (c) => {
    const community = await gate(c, `#deliverable-${c.req.param("id")}`);
    if (community instanceof Response) return community;
    const d = await repos.deliverables.get(community.id, c.req.param("id"));
    if (!d) return c.json({ error: "Not found" }, 404);
    return answer(c, community, deliverableDocument(config.origin, community, d));
  });
  return r;
}
