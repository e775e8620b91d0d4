// The instance's federation policy: domain blocks and the allow-list used in
// allowlist mode. Blocking a host also removes its actors from every
// community, so nothing is delivered to them any more.
import type { DomainAllowRow, DomainBlockRow } from "../db/schema.ts";
import { ValidationError } from "../domain/community.ts";
import { hostCovered, hostOf, normalizeHost } from "../domain/hosts.ts";
import { recordAudit } from "./audit.ts";
import { NotFoundError, type Operations } from "./communities.ts";

export interface DomainBlockView {
  host: string;
  reason: string | null;
  createdBy: string;
  createdAt: string;
}

export interface DomainAllowView {
  host: string;
  createdBy: string;
  createdAt: string;
}

const blockView = (r: DomainBlockRow): DomainBlockView => ({ host: r.host, reason: r.reason, createdBy: r.created_by, createdAt: r.created_at });
const allowView = (r: DomainAllowRow): DomainAllowView => ({ host: r.host, createdBy: r.created_by, createdAt: r.created_at });

export async function blockDomain(ops: Operations, hostInput: string, reason: string | null, by: string): Promise<{ host: string; created: boolean; removedMembers: number }> {
  const { repos, domainPolicy } = ops.services;
  const host = normalizeHost(hostInput);
  if (host === hostOf(ops.services.config.origin)) throw new ValidationError("host", "this server cannot block itself");
  if (reason !== null && reason.length > 1000) throw new ValidationError("reason", "expected at most 1000 characters");
  const created = await repos.domains.block(host, reason?.trim() || null, by);
  domainPolicy.invalidate();
  let removedMembers = 0;
  for (const actorUri of await repos.memberships.distinctActorUris()) {
    const actorHost = hostOf(actorUri);
    if (actorHost && hostCovered(actorHost, host)) removedMembers += await repos.memberships.removeEverywhere(actorUri);
  }
  await recordAudit(ops, { actor: by, action: "domain.block", target: host, details: { reason: reason ?? null, removedMembers } });
  return { host, created, removedMembers };
}

export async function unblockDomain(ops: Operations, hostInput: string, by: string): Promise<string> {
  const host = normalizeHost(hostInput);
  if (!(await ops.services.repos.domains.unblock(host))) throw new NotFoundError(`${host} is not blocked`);
  ops.services.domainPolicy.invalidate();
  await recordAudit(ops, { actor: by, action: "domain.unblock", target: host });
  return host;
}

export async function listDomainBlocks(ops: Operations): Promise<DomainBlockView[]> {
  return (await ops.services.repos.domains.listBlocks()).map(blockView);
}

export async function allowDomain(ops: Operations, hostInput: string, by: string): Promise<{ host: string; created: boolean }> {
  const host = normalizeHost(hostInput);
  const created = await ops.services.repos.domains.allow(host, by);
  ops.services.domainPolicy.invalidate();
  if (created) await recordAudit(ops, { actor: by, action: "domain.allow", target: host });
  return { host, created };
}

export async function disallowDomain(ops: Operations, hostInput: string, by: string): Promise<string> {
  const host = normalizeHost(hostInput);
  if (!(await ops.services.repos.domains.disallow(host))) throw new NotFoundError(`${host} is not on the allow-list`);
  ops.services.domainPolicy.invalidate();
  await recordAudit(ops, { actor: by, action: "domain.disallow", target: host });
  return host;
}

export async function listDomainAllows(ops: Operations): Promise<DomainAllowView[]> {
  return (await ops.services.repos.domains.listAllows()).map(allowView);
}
