// Who moderates a community. The Group's moderators collection lists the
// fediverse actors linked to these accounts, so a change is federated to the
// members with Update(Group) (Lemmy and others re-read attributedTo then).
import { ValidationError } from "../domain/community.ts";
import { sendGroupUpdate } from "../federation/outbound.ts";
import { getAccount } from "./accounts.ts";
import { recordAudit } from "./audit.ts";
import { contextOf, getCommunity, type Operations } from "./communities.ts";

export interface ModeratorView {
  username: string;
  role: string;
  actorUri: string | null;
}

export async function listModerators(ops: Operations, slug: string): Promise<ModeratorView[]> {
  const community = await getCommunity(ops, slug);
  const rows = await ops.services.repos.moderators.listAccounts(community.id);
  return rows.map((r) => ({ username: r.username, role: r.role, actorUri: r.actor_uri }));
}

export async function addModerator(ops: Operations, slug: string, username: string, by: string): Promise<ModeratorView> {
  const community = await getCommunity(ops, slug);
  const account = await getAccount(ops, username);
  if (!(await ops.services.repos.moderators.add(community.id, account.id))) {
    throw new ValidationError("username", `${username} already moderates ${slug}`);
  }
  await recordAudit(ops, { actor: by, action: "moderator.add", communityId: community.id, target: username });
  if (account.actor_uri) await sendGroupUpdate(contextOf(ops), community);
  return { username: account.username, role: account.role, actorUri: account.actor_uri };
}

export async function removeModerator(ops: Operations, slug: string, username: string, by: string): Promise<void> {
  const community = await getCommunity(ops, slug);
  const account = await getAccount(ops, username);
  if (!(await ops.services.repos.moderators.remove(community.id, account.id))) {
    throw new ValidationError("username", `${username} does not moderate ${slug}`);
  }
  await recordAudit(ops, { actor: by, action: "moderator.remove", communityId: community.id, target: username });
  if (account.actor_uri) await sendGroupUpdate(contextOf(ops), community);
}
