// Reports. Mastodon forwards a report as a `Flag` from its instance actor to
// the reported server's shared inbox, its object listing the reported
// account and statuses and its `content` the reporter's comment; Lemmy
// sends a `Flag` of one post with the comment in `summary`. Either is
// queued for the moderators of the community the reported posts belong to
// (instance-level when none does).
import type { InboxContext } from "@fedify/fedify";
import type { Flag } from "@fedify/vocab";
import { getLogger } from "@logtape/logtape";
import { reportComment, reportCommunity, reportedObjects } from "../../domain/moderation.ts";
import type { AppServices } from "../../services.ts";
import { ignoring } from "./ignoring.ts";

const logger = getLogger(["praxis", "federation", "inbox"]);

export async function onFlag(ctx: InboxContext<AppServices>, flag: Flag): Promise<void> {
  if (!flag.id || !flag.actorId) return ignoring(flag, "it has no id or actor");
  const { repos } = ctx.data;
  const objects = reportedObjects(flag.objectIds.map((u) => u.href));
  if (objects.length === 0) {
    logger.info("Ignoring Flag {id}: it reports nothing", { id: flag.id.href });
    return;
  }
  const communityOf = new Map<string, string | null>();
  for (const uri of objects) {
    const post = (await repos.posts.findByObject(uri)).find((p) => p.deleted_at === null);
    communityOf.set(uri, post?.community_id ?? null);
  }
  const communityId = reportCommunity(objects, (uri) => communityOf.get(uri) ?? null);
  // Repeated Flags from one reporter about the same subject update one open report.
  const { report, created } = await repos.reports.receive({
    communityId,
    reporterUri: flag.actorId.href,
    activityUri: flag.id.href,
    comment: reportComment(flag.content?.toString() ?? flag.summary?.toString()),
    objects,
  });
  if (!created) {
    logger.info("Report {id} from {actor} updated ({count} Flags)", { id: report.id, actor: flag.actorId.href, count: report.flagCount });
    return;
  }
  await repos.audit.record({
    actor: flag.actorId.href, action: "report.receive", communityId, target: objects[0], details: { report: report.id },
  });
  logger.info("Report {id} from {actor} queued", { id: report.id, actor: flag.actorId.href });
}
