// Communities, their moderators and their members. Operators reach every
// community; moderators only those they moderate (403 otherwise).
import { Hono } from "hono";
import { z } from "zod";
import { mayModerateCommunity } from "../../domain/credentials.ts";
import { communityDetails } from "../../operations/communities.ts";
import { approveMember, listMembers, rejectMember } from "../../operations/members.ts";
import { addModerator, listModerators, removeModerator } from "../../operations/moderators.ts";
import { type AdminEnv, caller, communityInScope, jsonBody, queryParams } from "./support.ts";

const memberQuery = z.strictObject({ status: z.enum(["accepted", "pending"]).default("accepted") });
const actorBody = z.strictObject({ actor: z.string({ error: "required: an actor URI or @user@host" }).min(1).max(2048) });
const moderatorBody = z.strictObject({ username: z.string({ error: "required: an account's username" }).min(1).max(32) });

export function communitiesRouter(): Hono<AdminEnv> {
  const r = new Hono<AdminEnv>();

  r.get("/", async (c) => {
    const ops = c.get("ops");
    const principal = c.get("principal");
    const all = await ops.services.repos.communities.list();
    const visible = all.filter((x) => !x.deletedAt && mayModerateCommunity(principal, x.id));
    return c.json({ communities: await Promise.all(visible.map((x) => communityDetails(ops, x))) });
  });

  r.get("/:slug", async (c) => c.json(await communityDetails(c.get("ops"), await communityInScope(c, c.req.param("slug")))));

  r.get("/:slug/moderators", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    return c.json({ moderators: await listModerators(c.get("ops"), community.slug) });
  });

  r.post("/:slug/moderators", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    const { username } = await jsonBody(c, moderatorBody);
    return c.json(await addModerator(c.get("ops"), community.slug, username, caller(c)), 201);
  });

  r.delete("/:slug/moderators/:username", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    await removeModerator(c.get("ops"), community.slug, c.req.param("username"), caller(c));
    return c.body(null, 204);
  });

  r.get("/:slug/members", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    const { status } = queryParams(c, memberQuery);
    const members = await listMembers(c.get("ops"), community.slug, status === "pending");
    return c.json({
      members: members.map((m) => ({
        actorUri: m.actorUri, handle: m.handle, name: m.name, status: m.status,
        requestedAt: m.requestedAt, joinedAt: m.acceptedAt, message: m.message,
        ...(m.waitlistPosition !== undefined ? { waitlistPosition: m.waitlistPosition } : {}),
      })),
    });
  });

  r.post("/:slug/members/approve", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    const { actor } = await jsonBody(c, actorBody);
    const m = await approveMember(c.get("ops"), community.slug, actor, caller(c));
    return c.json({ actorUri: m.actorUri, handle: m.handle, status: "accepted" });
  });

  r.post("/:slug/members/reject", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    const { actor } = await jsonBody(c, actorBody);
    const m = await rejectMember(c.get("ops"), community.slug, actor, caller(c));
    return c.json({ actorUri: m.actorUri, handle: m.handle, status: "rejected" });
  });
  return r;
}
