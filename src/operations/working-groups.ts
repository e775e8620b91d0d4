// Archiving working groups: by hand (`praxis community archive`) or when
// their end date passes (a timer in the worker process; the end date and
// the archived state live in the database, so a restart loses nothing and
// a group whose end passed while the server was down is archived at start).
import { getLogger } from "@logtape/logtape";
import { type Community, ValidationError } from "../domain/community.ts";
import { sendGroupUpdate } from "../federation/outbound.ts";
import { recipientOf } from "../federation/links.ts";
import { cliActor } from "./audit.ts";
import { contextOf, getCommunity, type Operations } from "./communities.ts";

const logger = getLogger(["praxis", "working-groups"]);

/**
 * Archives the community: read-only from now on (no new posts accepted or
 * relayed, no new members), still listed. Update(Group) tells its followers
 * and its linked parents, which then show its finished deliverables.
 */
async function archive(ops: Operations, community: Community, by: string): Promise<Community | null> {
  const { repos } = ops.services;
  if (!(await repos.communities.markArchived(community.id))) return null;
  const archived = (await repos.communities.findById(community.id))!;
  await repos.audit.record({ actor: by, action: "community.archive", communityId: community.id, target: community.slug });
  const ctx = contextOf(ops);
  // Parents follow their children; one that does not (yet) is told directly.
  const alsoTo = [];
  for (const link of await repos.links.list(community.id, { statuses: ["active", "accepted"], relation: "parent" })) {
    if ((await repos.memberships.status(community.id, link.peer_uri)) === "accepted") continue;
    const r = await recipientOf(ctx, link.peer_uri).catch(() => null);
    if (r) alsoTo.push(r);
  }
  await sendGroupUpdate(ctx, archived, alsoTo);
  return archived;
}

export async function archiveCommunity(ops: Operations, slug: string, by: string = cliActor()): Promise<Community> {
  const community = await getCommunity(ops, slug);
  if (community.archivedAt) throw new ValidationError("community", `${slug} is already archived (since ${community.archivedAt})`);
  const archived = await archive(ops, community, by);
  if (!archived) throw new ValidationError("community", `${slug} is already archived`);
  return archived;
}

/** Archives every working group whose end date has passed; returns their slugs. */
export async function archiveEndedWorkingGroups(ops: Operations, now: Date = new Date()): Promise<string[]> {
  const done: string[] = [];
  for (const community of await ops.services.repos.communities.dueForArchive(now.toISOString())) {
    if (await archive(ops, community, "system:end-date")) {
      logger.info("Archived working group {slug}: its end date {ends} has passed", { slug: community.slug, ends: community.endsAt });
      done.push(community.slug);
    }
  }
  return done;
}

/**
 * Checks end dates now and then every `intervalMs` until stopped. Failures
 * (a busy database) are logged and retried at the next tick.
 */
export function startArchiveTimer(ops: Operations, intervalMs: number, run: <T>(fn: () => T) => T = (fn) => fn()): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const tick = () => {
    if (stopped) return;
    running = run(() => archiveEndedWorkingGroups(ops)).catch((error) => {
      logger.warn("Could not archive ended working groups: {error}", { error: (error as Error).message });
    });
  };
  const first = setTimeout(tick, 0);
  const timer = setInterval(tick, intervalMs);
  timer.unref?.();
  return async () => {
    stopped = true;
    clearTimeout(first);
    clearInterval(timer);
    await running;
  };
}
