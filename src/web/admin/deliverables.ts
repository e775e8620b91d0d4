// Working groups and the core group in the admin API: a community's goal,
// end date and membership cap (PATCH), archiving by hand, and deliverables
// (a group's own; with ?children=true its sub-communities'; /finished the
// done ones of archived sub-communities, for the resource centre).
import { Hono } from "hono";
import { z } from "zod";
import { communityDetails, updateCommunity } from "../../operations/communities.ts";
import {
  addDeliverable, finishedDeliverablesOfArchivedChildren, listChildDeliverables, listDeliverables, updateDeliverable,
} from "../../operations/deliverables.ts";
import { archiveCommunity } from "../../operations/working-groups.ts";
import { type AdminEnv, apiFields, caller, communityInScope, jsonBody, queryParams } from "./support.ts";

const nullableText = (max: number) => z.union([z.string().max(max), z.null()]).optional();

const communityPatch = z.strictObject({
  stream: z.union([z.enum(["learn", "share", "build"]), z.null()]).optional(),
  goal: nullableText(2000),
  ends: nullableText(64),
  maxMembers: z.union([z.number(), z.string().max(16), z.null()]).optional(),
});

const deliverableBody = z.strictObject({
  title: z.string({ error: "required: what will be delivered" }).max(1000),
  status: z.string().max(32).optional(),
  due: nullableText(32),
  resource: nullableText(2048),
});

const deliverablePatch = z.strictObject({
  title: z.string().max(1000).optional(),
  status: z.string().max(32).optional(),
  due: nullableText(32),
  resource: nullableText(2048),
});

const listQuery = z.strictObject({ children: z.enum(["true", "false"]).default("false") });

export function deliverablesRouter(): Hono<AdminEnv> {
  const r = new Hono<AdminEnv>();

  r.patch("/:slug", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    const body = await jsonBody(c, communityPatch);
    const updated = await apiFields({ "max-members": "maxMembers" }, () => updateCommunity(c.get("ops"), community.slug, body, caller(c)));
    return c.json(await communityDetails(c.get("ops"), updated));
  });

  r.post("/:slug/archive", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    const archived = await archiveCommunity(c.get("ops"), community.slug, caller(c));
    return c.json(await communityDetails(c.get("ops"), archived));
  });

  r.get("/:slug/deliverables", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    const { children } = queryParams(c, listQuery);
    if (children === "true") return c.json({ deliverables: await listChildDeliverables(c.get("ops"), community.slug) });
    return c.json({ deliverables: await listDeliverables(c.get("ops"), community.slug) });
  });

  r.get("/:slug/deliverables/finished", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    return c.json({ deliverables: await finishedDeliverablesOfArchivedChildren(c.get("ops"), community.slug) });
  });

  r.post("/:slug/deliverables", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    const body = await jsonBody(c, deliverableBody);
    return c.json(await addDeliverable(c.get("ops"), community.slug, body, caller(c)), 201);
  });

  r.patch("/:slug/deliverables/:id", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    const body = await jsonBody(c, deliverablePatch);
    return c.json(await updateDeliverable(c.get("ops"), community.slug, c.req.param("id"), body, caller(c)));
  });
  return r;
}
