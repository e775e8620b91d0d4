// Local credentials of moderators and operators: password hashing with
// scrypt (Node's built-in crypto, random salt, timing-safe comparison) and
// admin API bearer tokens, of which only a SHA-256 hash is stored.
import { createHash, randomBytes, scrypt, type ScryptOptions, timingSafeEqual } from "node:crypto";
import { ValidationError } from "./community.ts";

export const ROLES = ["operator", "moderator"] as const;
export type Role = (typeof ROLES)[number];

// N = 2^15, r = 8, p = 3: one of the equivalent minimums OWASP lists for
// scrypt (like N = 2^17, r = 8, p = 1), using 32 MiB instead of 128 MiB.
const SCRYPT = { N: 2 ** 15, r: 8, p: 3, keyLength: 64, saltLength: 16 } as const;
const MIN_PASSWORD = 12;
const MAX_PASSWORD = 1024;
const USERNAME_RE = /^[a-z0-9](?:[a-z0-9_.-]{0,30}[a-z0-9])?$/;
const TOKEN_PREFIX = "praxis_";

function scryptAsync(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

const maxmemFor = (N: number, r: number) => 128 * N * r * 2;

export function validateUsername(username: string): string {
  if (!USERNAME_RE.test(username)) {
    throw new ValidationError("username", "expected 1 to 32 lower-case letters, digits, '.', '_' or '-', starting and ending with a letter or digit");
  }
  return username;
}

export function validatePassword(password: string): string {
  if (password.length < MIN_PASSWORD) throw new ValidationError("password", `must be at least ${MIN_PASSWORD} characters long`);
  if (password.length > MAX_PASSWORD) throw new ValidationError("password", `must be at most ${MAX_PASSWORD} characters long`);
  return password;
}

export function parseRole(role: string): Role {
  if (!(ROLES as readonly string[]).includes(role)) throw new ValidationError("role", `expected one of ${ROLES.join(", ")}`);
  return role as Role;
}

/** A strong random password (144 bits) for accounts created without one. */
export function generatePassword(): string {
  return randomBytes(18).toString("base64url");
}

/** `scrypt$N$r$p$salt$hash`, salt and hash in base64. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SCRYPT.saltLength);
  const { N, r, p, keyLength } = SCRYPT;
  const key = await scryptAsync(password.normalize("NFC"), salt, keyLength, { N, r, p, maxmem: maxmemFor(N, r) });
  return ["scrypt", N, r, p, salt.toString("base64"), key.toString("base64")].join("$");
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  if (![N, r, p].every((n) => Number.isInteger(n) && n > 0)) return false;
  const salt = Buffer.from(parts[4], "base64");
  const expected = Buffer.from(parts[5], "base64");
  if (expected.length === 0) return false;
  const key = await scryptAsync(password.normalize("NFC"), salt, expected.length, { N, r, p, maxmem: maxmemFor(N, r) });
  return timingSafeEqual(key, expected);
}

/** A new admin API token (256 random bits); shown once, stored as its hash. */
export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString("base64url");
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** Whether a string has the shape of a Praxis token (cheap check before hashing). */
export function looksLikeToken(value: string): boolean {
  return value.startsWith(TOKEN_PREFIX) && value.length > TOKEN_PREFIX.length + 20 && value.length < 200;
}

/** Who is calling the admin API, and which communities they moderate. */
export interface Principal {
  accountId: string;
  username: string;
  role: Role;
  moderatedCommunityIds: ReadonlySet<string>;
}

/** Instance-wide actions (accounts, domain policy, every community) are for operators. */
export function mayOperateInstance(principal: Principal): boolean {
  return principal.role === "operator";
}

/** An operator acts on every community; a moderator on those it moderates. */
export function mayModerateCommunity(principal: Principal, communityId: string): boolean {
  return principal.role === "operator" || principal.moderatedCommunityIds.has(communityId);
}
