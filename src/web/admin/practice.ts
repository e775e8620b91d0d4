// Practice statuses, per community: mark a post or resource, list the
// community's own and inherited statuses, and the best practices its
// sub-communities offer. A moderator of the community, or an operator.
import { Hono } from "hono";
import { z } from "zod";
import { listPractice, markPractice, practiceOffers } from "../../operations/practice.ts";
import { type AdminEnv, apiFields, caller, communityInScope, jsonBody, queryParams } from "./support.ts";

const markBody = z.strictObject({
  object: z.string({ error: "required: the post's or resource's URI" }).min(1).max(2048),
  status: z.string({ error: "required: proposed, evaluated or best-practice" }).max(100),
  note: z.string({ error: "expected a string" }).max(5000).optional(),
});
const listQuery = z.strictObject({ status: z.string().max(100).optional() });

export function practiceRouter(): Hono<AdminEnv> {
  const r = new Hono<AdminEnv>();

  r.get("/:slug/practice", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    const { status } = queryParams(c, listQuery);
    return c.json({ practices: await listPractice(c.get("ops"), community.slug, { status }) });
  });

  r.post("/:slug/practice", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    const { object, status, note } = await jsonBody(c, markBody);
    return c.json(await apiFields({ "object-uri": "object" }, () => markPractice(c.get("ops"), community.slug, object, { status, note }, caller(c))), 201);
  });

  r.get("/:slug/practice/offers", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    return c.json({ offers: await practiceOffers(c.get("ops"), community.slug) });
  });

  return r;
}
