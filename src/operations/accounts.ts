// Local accounts of moderators and operators, and their admin API tokens.
// Shared by the CLI and the admin API; authorisation (who may call what)
// is the caller's business, these only validate, change and audit.
import { isActor } from "@fedify/vocab";
import type { AccountRow } from "../db/schema.ts";
import { ValidationError } from "../domain/community.ts";
import {
  generatePassword, generateToken, hashPassword, hashToken, looksLikeToken, parseRole, type Principal, type Role,
  validatePassword, validateUsername,
} from "../domain/credentials.ts";
import { sendGroupUpdate } from "../federation/outbound.ts";
import { recordAudit } from "./audit.ts";
import { contextOf, NotFoundError, type Operations } from "./communities.ts";

export interface AccountView {
  username: string;
  role: Role;
  actorUri: string | null;
  createdAt: string;
  /** Slugs of the communities the account moderates. */
  communities: string[];
}

export async function accountView(ops: Operations, row: AccountRow): Promise<AccountView> {
  const { repos } = ops.services;
  const communities: string[] = [];
  for (const id of await repos.accounts.moderatedCommunityIds(row.id)) {
    const c = await repos.communities.findById(id);
    if (c && !c.deletedAt) communities.push(c.slug);
  }
  return { username: row.username, role: row.role, actorUri: row.actor_uri, createdAt: row.created_at, communities: communities.sort() };
}

export async function getAccount(ops: Operations, username: string): Promise<AccountRow> {
  const row = await ops.services.repos.accounts.findByUsername(username);
  if (!row) throw new NotFoundError(`No account "${username}"`);
  return row;
}

/**
 * The fediverse actor an account speaks as: an actor URI as given, or a
 * `@user@host` handle resolved with WebFinger (Fedify's lookup).
 */
export async function resolveActor(ops: Operations, input: string): Promise<string> {
  const value = input.trim();
  if (/^https?:\/\//i.test(value)) {
    try {
      return new URL(value).href;
    } catch {
      throw new ValidationError("actor", `"${input}" is not a valid URI`);
    }
  }
  if (!/^@?[^@\s/]+@[^@\s/]+$/.test(value)) {
    throw new ValidationError("actor", `"${input}" is neither an actor URI nor a handle like @user@host`);
  }
  const handle = value.startsWith("@") ? value : `@${value}`;
  const object = await contextOf(ops).lookupObject(handle).catch(() => null);
  if (!object || !isActor(object) || !object.id) {
    throw new ValidationError("actor", `could not resolve ${handle} to a fediverse actor; give its actor URI instead`);
  }
  return object.id.href;
}

export interface NewAccount {
  username: string;
  role?: string;
  actor?: string | null;
  password?: string | null;
}

/** Creates an account; returns the generated password when none was given. */
export async function createAccount(ops: Operations, input: NewAccount, by: string): Promise<{ account: AccountView; generatedPassword: string | null }> {
  const { repos } = ops.services;
  const username = validateUsername(input.username);
  const role = parseRole(input.role ?? "moderator");
  const generatedPassword = input.password ? null : generatePassword();
  const password = input.password ? validatePassword(input.password) : generatedPassword!;
  if (await repos.accounts.findByUsername(username)) throw new ValidationError("username", `an account "${username}" already exists`);
  const actorUri = input.actor ? await resolveActor(ops, input.actor) : null;
  const row = await repos.accounts.create({ username, role, actorUri, passwordHash: await hashPassword(password) });
  await recordAudit(ops, { actor: by, action: "account.create", target: username, details: { role, actorUri } });
  return { account: await accountView(ops, row), generatedPassword };
}

export async function listAccounts(ops: Operations): Promise<AccountView[]> {
  return Promise.all((await ops.services.repos.accounts.list()).map((r) => accountView(ops, r)));
}

/** Sets a new password (generated when none is given) and ends the account's console sessions; returns the generated one. */
export async function resetPassword(ops: Operations, username: string, password: string | null, by: string): Promise<string | null> {
  const row = await getAccount(ops, username);
  const generated = password ? null : generatePassword();
  await ops.services.repos.accounts.setPasswordHash(row.id, await hashPassword(password ? validatePassword(password) : generated!));
  // Whoever signed in with the old password is signed out.
  await ops.services.repos.sessions.deleteForAccount(row.id);
  await recordAudit(ops, { actor: by, action: "account.reset-password", target: username });
  return generated;
}

/** Deletes an account, its tokens and its moderator seats; the communities it moderated federate the change. */
export async function deleteAccount(ops: Operations, username: string, by: string): Promise<void> {
  const { repos } = ops.services;
  const row = await getAccount(ops, username);
  const communityIds = await repos.accounts.moderatedCommunityIds(row.id);
  await repos.accounts.delete(row.id);
  await recordAudit(ops, { actor: by, action: "account.delete", target: username });
  if (row.actor_uri) {
    for (const id of communityIds) {
      const community = await repos.communities.findById(id);
      if (community && !community.deletedAt) await sendGroupUpdate(contextOf(ops), community);
    }
  }
}

export interface TokenView {
  id: string;
  username: string;
  name: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

const tokenView = (t: { id: string; username: string; name: string | null; created_at: string; last_used_at: string | null; revoked_at: string | null }): TokenView => ({
  id: t.id, username: t.username, name: t.name, createdAt: t.created_at, lastUsedAt: t.last_used_at, revokedAt: t.revoked_at,
});

/** Creates an admin API token; the token itself is returned once and never stored. */
export async function createToken(ops: Operations, username: string, name: string | null, by: string): Promise<{ token: string; info: TokenView }> {
  const row = await getAccount(ops, username);
  if (name !== null && (name.length > 100 || !name.trim())) throw new ValidationError("name", "expected 1 to 100 characters");
  const token = generateToken();
  const created = await ops.services.repos.tokens.create(row.id, hashToken(token), name?.trim() ?? null);
  await recordAudit(ops, { actor: by, action: "token.create", target: username, details: { tokenId: created.id, name: created.name } });
  return { token, info: tokenView({ ...created, username }) };
}

export async function listTokens(ops: Operations, filter: { username?: string } = {}): Promise<TokenView[]> {
  const accountId = filter.username ? (await getAccount(ops, filter.username)).id : undefined;
  return (await ops.services.repos.tokens.list({ accountId })).map(tokenView);
}

export async function getToken(ops: Operations, id: string): Promise<TokenView> {
  const row = /^[0-9a-f-]{36}$/i.test(id) ? await ops.services.repos.tokens.get(id) : null;
  if (!row) throw new NotFoundError(`No token "${id}"`);
  return tokenView(row);
}

export async function revokeToken(ops: Operations, id: string, by: string): Promise<TokenView> {
  const token = await getToken(ops, id);
  if (token.revokedAt) throw new ValidationError("id", `token ${id} is already revoked`);
  await ops.services.repos.tokens.revoke(id);
  await recordAudit(ops, { actor: by, action: "token.revoke", target: token.username, details: { tokenId: id } });
  return { ...token, revokedAt: new Date().toISOString() };
}

export interface Authenticated {
  principal: Principal;
  tokenId: string;
}

/** The caller a bearer token stands for, or null when it is unknown or revoked. Records its use. */
export async function authenticateToken(ops: Operations, token: string): Promise<Authenticated | null> {
  if (!looksLikeToken(token)) return null;
  const { repos } = ops.services;
  const row = await repos.tokens.findActiveByHash(hashToken(token));
  if (!row) return null;
  const account = await repos.accounts.get(row.account_id);
  if (!account) return null;
  await repos.tokens.touch(row.id);
  return {
    tokenId: row.id,
    principal: {
      accountId: account.id,
      username: account.username,
      role: account.role,
      moderatedCommunityIds: new Set(await repos.accounts.moderatedCommunityIds(account.id)),
    },
  };
}
