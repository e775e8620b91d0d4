// The fractal network, per community: links and link requests, asking for
// a parent or inviting a child, unlinking, promoting rolled-up posts, the
// network settings and the tree. A moderator of the community, or an operator.
import { Hono } from "hono";
import { z } from "zod";
import {
  approveLink, declineLinkRequest, inviteChild, listLinks, listRequests, networkSettings, networkTree, promotePost,
  removeLink, requestParent, updateNetworkSettings,
} from "../../operations/links.ts";
import { type AdminEnv, apiFields, caller, communityInScope, jsonBody, queryParams } from "./support.ts";

const groupRef = z.string({ error: "expected a Group URI or @slug@host" }).min(1).max(2048);

const linkBody = z.strictObject({ parent: groupRef.optional(), child: groupRef.optional() })
  .superRefine((body, ctx) => {
    if ((body.parent === undefined) === (body.child === undefined)) {
      ctx.addIssue({ code: "custom", path: [body.child === undefined ? "parent" : "child"], message: "give exactly one of parent or child" });
    }
  });
const declineBody = z.strictObject({ reason: z.string({ error: "expected a string" }).min(1).max(1000).optional() });
const peerQuery = z.strictObject({ peer: z.string({ error: "required: the linked Group's URI or @slug@host" }).min(1).max(2048) });
const promotionBody = z.strictObject({ object: z.string({ error: "required: the rolled-up post's object URI" }).min(1).max(2048) });
const tagList = z.array(z.string({ error: "expected a string" }).max(100)).max(100);
const settingsBody = z.strictObject({
  cascade: z.boolean({ error: "expected true or false" }).optional(),
  autoApprove: z.array(z.string({ error: "expected a string" }).min(1).max(2048)).max(100).optional(),
  promoteTags: tagList.optional(),
});

export function networkRouter(): Hono<AdminEnv> {
  const r = new Hono<AdminEnv>();

  r.get("/:slug/links", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    return c.json({ links: await listLinks(c.get("ops"), community.slug) });
  });

  r.get("/:slug/links/requests", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    return c.json({ requests: await listRequests(c.get("ops"), community.slug) });
  });

  r.post("/:slug/links", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    const { parent, child } = await jsonBody(c, linkBody);
    const ops = c.get("ops");
    const link = parent !== undefined
      ? await apiFields({ community: "parent" }, () => requestParent(ops, community.slug, parent, caller(c)))
      : await apiFields({ community: "child" }, () => inviteChild(ops, community.slug, child!, caller(c)));
    const view = (await listRequests(ops, community.slug)).find((l) => l.id === link.id);
    return c.json(view ?? { id: link.id, peer: link.peer_uri, relation: link.relation, status: link.status }, 201);
  });

  r.post("/:slug/links/requests/:id/approve", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    await jsonBody(c, z.strictObject({}));
    const id = c.req.param("id");
    return c.json(await apiFields({ "request-id": "id" }, () => approveLink(c.get("ops"), community.slug, id, caller(c))));
  });

  r.post("/:slug/links/requests/:id/decline", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    const { reason } = await jsonBody(c, declineBody);
    const id = c.req.param("id");
    return c.json(await apiFields({ "request-id": "id" }, () => declineLinkRequest(c.get("ops"), community.slug, id, caller(c), reason)));
  });

  r.delete("/:slug/links", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    const { peer } = queryParams(c, peerQuery);
    return c.json(await apiFields({ community: "peer" }, () => removeLink(c.get("ops"), community.slug, peer, caller(c))));
  });

  r.post("/:slug/promotions", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    const { object } = await jsonBody(c, promotionBody);
    await apiFields({ "object-uri": "object" }, () => promotePost(c.get("ops"), community.slug, object, caller(c)));
    return c.json({ object, promoted: true }, 201);
  });

  r.get("/:slug/network-settings", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    return c.json(await networkSettings(c.get("ops"), community.slug));
  });

  r.patch("/:slug/network-settings", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    const input = await jsonBody(c, settingsBody);
    return c.json(await apiFields({ "auto-approve": "autoApprove", options: "body" },
      () => updateNetworkSettings(c.get("ops"), community.slug, input, caller(c))));
  });

  r.get("/:slug/tree", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    return c.json(await networkTree(c.get("ops"), community.slug));
  });

  return r;
}
