// Content and membership moderation: bans, removing members, removing,
// restoring, pinning and locking posts, announcement-only, and reports.
// Community routes need a moderator of that community; a report belongs to
// its community's moderators, and reports with no community to operators.
import { Hono } from "hono";
import { z } from "zod";
import { mayModerateCommunity, mayOperateInstance } from "../../domain/credentials.ts";
import type { Community } from "../../domain/community.ts";
import type { Report } from "../../db/repositories/reports.ts";
import {
  banMember, dismissReport, forwardReport, listBans, listReports, removeMember, removePost, resolveReport,
  restorePost, setAnnouncementOnly, setLocked, setPinned, unbanMember,
} from "../../operations/moderation.ts";
import { NotFoundError } from "../../operations/communities.ts";
import {
  type AdminContext, type AdminEnv, ApiError, actorParam, apiFields, caller, communityInScope, forbidden, jsonBody,
  queryParams,
} from "./support.ts";

const actorField = z.string({ error: "required: an actor URI or @user@host" }).min(1).max(2048);
const objectField = z.string({ error: "required: the post's object URI" }).min(1).max(2048);
const reasonField = z.string({ error: "expected a string" }).max(1000).nullish();

const banBody = z.strictObject({
  actor: actorField,
  reason: reasonField,
  expires: z.string({ error: "expected an ISO 8601 date such as 2030-01-31" }).max(64).nullish(),
});
const postBody = z.strictObject({ object: objectField });
const postWithReasonBody = z.strictObject({ object: objectField, reason: reasonField });
const announcementOnlyBody = z.strictObject({ enabled: z.boolean({ error: "required: true or false" }) });
const reportQuery = z.strictObject({
  community: z.string().min(1).max(64).optional(),
  status: z.enum(["open", "resolved", "dismissed", "all"]).default("open"),
});
const resolveBody = z.strictObject({
  removePost: z.boolean({ error: "expected true or false" }).optional(),
  forward: z.boolean({ error: "expected true or false" }).optional(),
});

/** The state of a post after a moderator's action on it. */
async function postState(c: AdminContext, community: Community, objectUri: string) {
  const post = await c.get("ops").services.repos.posts.find(community.id, objectUri);
  return {
    object: objectUri,
    author: post?.author_uri ?? null,
    removedAt: post?.removed_at ?? null,
    removalReason: post?.removal_reason ?? null,
    pinnedAt: post?.pinned_at ?? null,
    lockedAt: post?.locked_at ?? null,
  };
}

/** The report with `id`, if the caller may act on it (400 malformed id, 404 unknown, 403 not theirs). */
async function reportInScope(c: AdminContext, id: string): Promise<Report> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new ApiError(400, "invalid_request", `id: "${id}" is not a report id`, "id");
  const report = await c.get("ops").services.repos.reports.get(id);
  if (!report) throw new NotFoundError(`No report ${id}`);
  const principal = c.get("principal");
  if (report.communityId === null ? !mayOperateInstance(principal) : !mayModerateCommunity(principal, report.communityId)) {
    throw forbidden(report.communityId === null
      ? "This report is about no community; it is for operators."
      : `${principal.username} does not moderate this report's community.`);
  }
  return report;
}

export function moderationRouter(): Hono<AdminEnv> {
  const r = new Hono<AdminEnv>();

  // ------------------------------------------------------------ members and bans

  r.get("/communities/:slug/bans", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    return c.json({ bans: await listBans(c.get("ops"), community.slug) });
  });

  r.post("/communities/:slug/bans", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    const { actor, reason, expires } = await jsonBody(c, banBody);
    const ban = await banMember(c.get("ops"), community.slug, actor, caller(c), { reason, expires });
    return c.json(ban, 201);
  });

  r.delete("/communities/:slug/bans/:actor", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    await unbanMember(c.get("ops"), community.slug, actorParam(c), caller(c));
    return c.body(null, 204);
  });

  r.delete("/communities/:slug/members/:actor", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    await removeMember(c.get("ops"), community.slug, actorParam(c), caller(c));
    return c.body(null, 204);
  });

  // ------------------------------------------------------------ posts

  r.post("/communities/:slug/posts/remove", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    const { object, reason } = await jsonBody(c, postWithReasonBody);
    await removePost(c.get("ops"), community.slug, object, caller(c), { reason });
    return c.json(await postState(c, community, object));
  });

  r.post("/communities/:slug/posts/restore", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    const { object } = await jsonBody(c, postBody);
    await restorePost(c.get("ops"), community.slug, object, caller(c));
    return c.json(await postState(c, community, object));
  });

  for (const [path, pinned] of [["pin", true], ["unpin", false]] as const) {
    r.post(`/communities/:slug/posts/${path}`, async (c) => {
      const community = await communityInScope(c, c.req.param("slug"));
      const { object } = await jsonBody(c, postBody);
      await setPinned(c.get("ops"), community.slug, object, pinned, caller(c));
      return c.json(await postState(c, community, object));
    });
  }

  for (const [path, locked] of [["lock", true], ["unlock", false]] as const) {
    r.post(`/communities/:slug/posts/${path}`, async (c) => {
      const community = await communityInScope(c, c.req.param("slug"));
      const { object, reason } = await jsonBody(c, postWithReasonBody);
      await setLocked(c.get("ops"), community.slug, object, locked, caller(c), { reason });
      return c.json(await postState(c, community, object));
    });
  }

  r.put("/communities/:slug/settings/announcement-only", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    const { enabled } = await jsonBody(c, announcementOnlyBody);
    const updated = await setAnnouncementOnly(c.get("ops"), community.slug, enabled, caller(c));
    return c.json({ announcementOnly: updated.announcementOnly });
  });

  // ------------------------------------------------------------ reports

  r.get("/reports", async (c) => {
    const { community, status } = queryParams(c, reportQuery);
    const principal = c.get("principal");
    if (community) await communityInScope(c, community);
    const all = await listReports(c.get("ops"), { community, all: status !== "open" });
    const reports = all.filter((report) => (status === "all" || report.status === status)
      && (report.communityId === null ? mayOperateInstance(principal) : mayModerateCommunity(principal, report.communityId)));
    return c.json({ reports });
  });

  r.post("/reports/:id/resolve", async (c) => {
    const report = await reportInScope(c, c.req.param("id"));
    const { removePost: remove, forward } = await jsonBody(c, resolveBody);
    const ops = c.get("ops");
    const principal = c.get("principal");
    if (remove && !mayOperateInstance(principal)) {
      // The reported objects may be posts in other communities too: a moderator removes only from theirs.
      for (const uri of report.objects) {
        for (const post of await ops.services.repos.posts.findByObject(uri)) {
          if (post.deleted_at === null && post.removed_at === null && !mayModerateCommunity(principal, post.community_id)) {
            throw forbidden(`${uri} is also posted in a community ${principal.username} does not moderate; ask an operator.`);
          }
        }
      }
    }
    const resolved = await apiFields({ "remove-post": "removePost", forward: "forward", report: "id" },
      () => resolveReport(ops, report.id, caller(c), { removePost: remove, forward }));
    return c.json(resolved);
  });

  r.post("/reports/:id/dismiss", async (c) => {
    const report = await reportInScope(c, c.req.param("id"));
    await jsonBody(c, z.strictObject({}));
    return c.json(await apiFields({ report: "id" }, () => dismissReport(c.get("ops"), report.id, caller(c))));
  });

  r.post("/reports/:id/forward", async (c) => {
    const report = await reportInScope(c, c.req.param("id"));
    await jsonBody(c, z.strictObject({}));
    const sentTo = await forwardReport(c.get("ops"), report.id, caller(c));
    return c.json({ id: report.id, sentTo });
  });

  return r;
}
