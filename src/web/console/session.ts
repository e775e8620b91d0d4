// Console sessions: a random token in an HttpOnly, SameSite=Lax cookie
// (Secure and __Host- prefixed when the public origin is https), stored in
// the database as its SHA-256 only, renewed while used. Each session has a
// CSRF token that every console form sends back; form posts must also come
// from this origin (hono/csrf). Sign-in attempts are limited per client
// address and per username; a refusal never says which part was wrong.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AccountRow } from "../../db/schema.ts";
import { hashPassword, type Principal, verifyPassword } from "../../domain/credentials.ts";
import type { AppServices } from "../../services.ts";

/** The signed-in account may not do what it asked. */
export class ConsoleForbidden extends Error {
  override name = "ConsoleForbidden";
}

export interface ConsoleSession {
  id: string;
  csrfToken: string;
  account: AccountRow;
  principal: Principal;
}

const hash = (token: string) => createHash("sha256").update(token, "utf8").digest("hex");

/** Renew the expiry at most this often, not on every request. */
const RENEW_AFTER_MS = 60_000;

export function sessionCookieName(origin: string): string {
  return new URL(origin).protocol === "https:" ? "__Host-praxis_session" : "praxis_session";
}

export class Sessions {
  readonly #services: AppServices;
  readonly #cookie: string;
  readonly #secure: boolean;
  readonly #lifetimeMs: number;
  /** A hash verified when the username is unknown, so both answers take as long. */
  #dummyHash: Promise<string> | null = null;

  constructor(services: AppServices) {
    this.#services = services;
    this.#cookie = sessionCookieName(services.config.origin);
    this.#secure = new URL(services.config.origin).protocol === "https:";
    this.#lifetimeMs = services.config.console.sessionHours * 3600_000;
  }

  /** The account if the username and password match; null otherwise, in the same time either way. */
  async checkPassword(username: string, password: string): Promise<AccountRow | null> {
    const account = await this.#services.repos.accounts.findByUsername(username);
    this.#dummyHash ??= hashPassword(randomBytes(16).toString("hex"));
    const ok = await verifyPassword(password, account?.password_hash ?? await this.#dummyHash);
    return ok && account ? account : null;
  }

  async start(c: Context, account: AccountRow, clientAddress: string | null): Promise<void> {
    const token = randomBytes(32).toString("base64url");
    const expiresAt = new Date(Date.now() + this.#lifetimeMs).toISOString();
    await this.#services.repos.sessions.purgeExpired();
    await this.#services.repos.sessions.create({
      id: hash(token), accountId: account.id, csrfToken: randomBytes(32).toString("base64url"), expiresAt, clientAddress,
    });
    setCookie(c, this.#cookie, token, {
      path: "/", httpOnly: true, sameSite: "Lax", secure: this.#secure, maxAge: Math.floor(this.#lifetimeMs / 1000),
    });
  }

  /** The signed-in session of this request, or null. */
  async current(c: Context): Promise<ConsoleSession | null> {
    const token = getCookie(c, this.#cookie);
    if (!token || token.length > 100) return null;
    const { repos } = this.#services;
    const row = await repos.sessions.findLive(hash(token));
    if (!row) return null;
    const account = await repos.accounts.get(row.account_id);
    if (!account) return null;
    if (Date.now() - new Date(row.last_seen_at).getTime() > RENEW_AFTER_MS) {
      await repos.sessions.touch(row.id, new Date(Date.now() + this.#lifetimeMs).toISOString());
    }
    return {
      id: row.id,
      csrfToken: row.csrf_token,
      account,
      principal: {
        accountId: account.id,
        username: account.username,
        role: account.role,
        moderatedCommunityIds: new Set(await repos.accounts.moderatedCommunityIds(account.id)),
      },
    };
  }

  async end(c: Context, session: ConsoleSession | null): Promise<void> {
    if (session) await this.#services.repos.sessions.delete(session.id);
    deleteCookie(c, this.#cookie, { path: "/", secure: this.#secure });
  }
}

/** Whether a form's CSRF token is the session's (compared in constant time). */
export function csrfMatches(session: ConsoleSession, sent: unknown): boolean {
  if (typeof sent !== "string" || sent.length === 0) return false;
  const a = Buffer.from(sent);
  const b = Buffer.from(session.csrfToken);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Failed sign-ins counted in a fixed window per key (a client address, a
 * username); a key with `limit` failures is refused until its window ends.
 * In memory: with several web processes, each counts its own.
 */
export class FailureLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #failures = new Map<string, { startedAt: number; count: number }>();

  constructor(limit: number, windowSeconds: number) {
    this.#limit = limit;
    this.#windowMs = windowSeconds * 1000;
  }

  /** Seconds until `key` may try again, or 0. */
  retryAfter(key: string, now = Date.now()): number {
    if (this.#limit <= 0) return 0;
    const w = this.#failures.get(key);
    if (!w || now - w.startedAt >= this.#windowMs) return 0;
    return w.count >= this.#limit ? Math.ceil((w.startedAt + this.#windowMs - now) / 1000) : 0;
  }

  fail(key: string, now = Date.now()): void {
    if (this.#limit <= 0) return;
    if (this.#failures.size > 10_000) {
      for (const [k, w] of this.#failures) if (now - w.startedAt >= this.#windowMs) this.#failures.delete(k);
    }
    const w = this.#failures.get(key);
    if (!w || now - w.startedAt >= this.#windowMs) this.#failures.set(key, { startedAt: now, count: 1 });
    else w.count += 1;
  }

  reset(key: string): void {
    this.#failures.delete(key);
  }
}
