// The resource centre, per community: list, add (an article in Markdown or
// a link), edit (a new version), remove, and each resource's history. A
// moderator of the community, or an operator.
import { Hono } from "hono";
import { z } from "zod";
import {
  addResource, getResource, listResources, removeResource, resourceHistory, updateResource,
} from "../../operations/resources.ts";
import { type AdminEnv, apiFields, caller, communityInScope, jsonBody } from "./support.ts";

const text = (what: string) => z.string({ error: `expected ${what}` });
const fields = {
  title: text("a string").max(1000).optional(),
  url: text("an http(s) URL").max(4096).optional(),
  markdown: text("Markdown text").max(200_000).optional(),
  kind: text("tool, protocol, report, template or other").max(100).optional(),
  language: text("en or fr").max(100).optional(),
};
const resourceBody = z.strictObject(fields);

// The operations name CLI options; the API's fields are named after the body.
const RENAMES = { file: "markdown", options: "body", id: "id" };

export function resourcesRouter(): Hono<AdminEnv> {
  const r = new Hono<AdminEnv>();

  r.get("/:slug/resources", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    return c.json({ resources: await listResources(c.get("ops"), community.slug) });
  });

  r.post("/:slug/resources", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    const body = await jsonBody(c, resourceBody);
    return c.json(await apiFields(RENAMES, () => addResource(c.get("ops"), community.slug, body, caller(c))), 201);
  });

  r.get("/:slug/resources/:id", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    return c.json(await apiFields(RENAMES, () => getResource(c.get("ops"), community.slug, c.req.param("id"))));
  });

  r.patch("/:slug/resources/:id", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    const body = await jsonBody(c, resourceBody);
    return c.json(await apiFields(RENAMES, () => updateResource(c.get("ops"), community.slug, c.req.param("id"), body, caller(c))));
  });

  r.delete("/:slug/resources/:id", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    return c.json(await apiFields(RENAMES, () => removeResource(c.get("ops"), community.slug, c.req.param("id"), caller(c))));
  });

  r.get("/:slug/resources/:id/history", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    return c.json({ versions: await apiFields(RENAMES, () => resourceHistory(c.get("ops"), community.slug, c.req.param("id"))) });
  });

  return r;
}
