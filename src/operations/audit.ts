// The audit log: who did what, when. Every operator and moderation action
// records an entry; operators and moderators read them back.
import { userInfo } from "node:os";
import type { AuditEntry } from "../db/repositories/audit.ts";
import { ValidationError } from "../domain/community.ts";
import { getCommunity, type Operations } from "./communities.ts";

/** The audit name of whoever runs the CLI: "cli:<os user>". */
export function cliActor(): string {
  let name = "unknown";
  try {
    name = userInfo().username || name;
  } catch {
    // No passwd entry (some containers): the login name the shell gives, if any.
    name = process.env.USER || name;
  }
  return `cli:${name}`;
}

/** The audit name of an admin API caller. */
export const accountActor = (username: string) => `account:${username}`;

export async function recordAudit(ops: Operations, entry: AuditEntry): Promise<void> {
  await ops.services.repos.audit.record(entry);
}

export interface AuditView {
  id: string;
  at: string;
  actor: string;
  action: string;
  community: string | null;
  target: string | null;
  details: Record<string, unknown>;
}

export const MAX_AUDIT_LIMIT = 1000;

export async function listAudit(ops: Operations, filter: { community?: string; limit?: number } = {}): Promise<AuditView[]> {
  const { repos } = ops.services;
  const limit = filter.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_AUDIT_LIMIT) {
    throw new ValidationError("limit", `expected an integer from 1 to ${MAX_AUDIT_LIMIT}`);
  }
  const community = filter.community ? await getCommunity(ops, filter.community) : null;
  const rows = await repos.audit.list({ communityId: community?.id, limit });
  const slugs = new Map<string, string | null>();
  for (const r of rows) {
    if (r.community_id && !slugs.has(r.community_id)) {
      slugs.set(r.community_id, (await repos.communities.findById(r.community_id))?.slug ?? null);
    }
  }
  return rows.map((r) => {
    let details: Record<string, unknown> = {};
    try {
      details = JSON.parse(r.details) as Record<string, unknown>;
    } catch {
      details = { raw: r.details };
    }
    return {
      id: r.id,
      at: r.at,
      actor: r.actor,
      action: r.action,
      community: r.community_id ? slugs.get(r.community_id) ?? r.community_id : null,
      target: r.target,
      details,
    };
  });
}
