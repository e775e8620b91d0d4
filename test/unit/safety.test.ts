// Pure rules of accounts and instance safety: password hashing, tokens,
// the admin API's scope rules, host matching, the rate limiter and reading
// the signer's host from signature headers.
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.ts";
import { ValidationError } from "../../src/domain/community.ts";
import {
  generatePassword, generateToken, hashPassword, hashToken, looksLikeToken, mayModerateCommunity, mayOperateInstance,
  parseRole, type Principal, validatePassword, validateUsername, verifyPassword,
} from "../../src/domain/credentials.ts";
import { coveringEntry, hostOf, judgeHost, normalizeHost } from "../../src/domain/hosts.ts";
import { signatureKeyId } from "../../src/web/inbox-guard.ts";
import { HostRateLimiter } from "../../src/web/rate-limit.ts";

describe("password hashing", () => {
  it("verifies the right password and refuses a wrong one", async () => {
    const hash = await hashPassword("correct horse battery staple");
    expect(hash).toMatch(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(hash).not.toContain("correct horse");
    expect(await verifyPassword("correct horse battery staple", hash)).toBe(true);
    expect(await verifyPassword("correct horse battery stapler", hash)).toBe(false);
    expect(await verifyPassword("", hash)).toBe(false);
  });

  it("salts every hash", async () => {
    const [a, b] = await Promise.all([hashPassword("same password here"), hashPassword("same password here")]);
    expect(a).not.toBe(b);
    expect(await verifyPassword("same password here", b)).toBe(true);
  });

  it("treats malformed stored hashes as a mismatch", async () => {
    for (const stored of ["", "plain", "scrypt$x$8$1$c2FsdA==$aGFzaA==", "bcrypt$1$2$3$4$5", "scrypt$16384$8$1$c2FsdA==$"]) {
      expect(await verifyPassword("whatever password", stored)).toBe(false);
    }
  });

  it("generates strong passwords and validates length, usernames and roles", () => {
    const p = generatePassword();
    expect(p.length).toBeGreaterThanOrEqual(24);
    expect(generatePassword()).not.toBe(p);
    expect(() => validatePassword("short")).toThrow(ValidationError);
    expect(validatePassword("twelve chars")).toBe("twelve chars");
    expect(validateUsername("alice.b-2")).toBe("alice.b-2");
    for (const bad of ["", "Alice", "-alice", "a b", "x".repeat(33), "alice@host"]) {
      expect(() => validateUsername(bad)).toThrow(/username/);
    }
    expect(parseRole("operator")).toBe("operator");
    expect(() => parseRole("admin")).toThrow(/role/);
  });
});

describe("tokens", () => {
  it("are long, random, recognisable, and stored as a SHA-256 hash", () => {
    const t = generateToken();
    expect(t).toMatch(/^praxis_[A-Za-z0-9_-]{43}$/);
    expect(generateToken()).not.toBe(t);
    expect(looksLikeToken(t)).toBe(true);
    expect(looksLikeToken("Bearer nonsense")).toBe(false);
    expect(hashToken(t)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashToken(t)).toBe(hashToken(t));
    expect(hashToken(t)).not.toBe(hashToken(generateToken()));
  });
});

describe("admin API scope", () => {
  const principal = (role: Principal["role"], communities: string[] = []): Principal => ({
    accountId: "a", username: "u", role, moderatedCommunityIds: new Set(communities),
  });

  it("lets an operator do everything", () => {
    expect(mayOperateInstance(principal("operator"))).toBe(true);
    expect(mayModerateCommunity(principal("operator"), "any")).toBe(true);
  });

  it("limits a moderator to the communities it moderates", () => {
    const mod = principal("moderator", ["c1"]);
    expect(mayOperateInstance(mod)).toBe(false);
    expect(mayModerateCommunity(mod, "c1")).toBe(true);
    expect(mayModerateCommunity(mod, "c2")).toBe(false);
    expect(mayModerateCommunity(principal("moderator"), "c1")).toBe(false);
  });
});

describe("hosts", () => {
  it("normalises what operators type and refuses URLs and ports", () => {
    expect(normalizeHost("Spam.Example")).toBe("spam.example");
    expect(normalizeHost("*.spam.example")).toBe("spam.example");
    expect(normalizeHost("spam.example.")).toBe("spam.example");
    expect(normalizeHost("bücher.example")).toBe("xn--bcher-kva.example");
    expect(normalizeHost("127.0.0.2")).toBe("127.0.0.2");
    for (const bad of ["", "https://spam.example", "spam.example:8080", "spam.example/path", "a b"]) {
      expect(() => normalizeHost(bad)).toThrow(/^host: /);
    }
  });

  it("covers a host and its subdomains, not look-alikes", () => {
    const entries = new Set(["spam.example", "127.0.0.2"]);
    expect(coveringEntry("spam.example", entries)).toBe("spam.example");
    expect(coveringEntry("a.b.spam.example", entries)).toBe("spam.example");
    expect(coveringEntry("notspam.example", entries)).toBeNull();
    expect(coveringEntry("spam.example.org", entries)).toBeNull();
    expect(coveringEntry("127.0.0.2", entries)).toBe("127.0.0.2");
    expect(coveringEntry("1.127.0.0.2", new Set(["0.0.2"]))).toBeNull();
    expect(hostOf("https://Social.Example:8443/users/a")).toBe("social.example");
    expect(hostOf("not a url")).toBeNull();
  });

  it("judges hosts in open and allowlist modes; a block wins over the allow-list", () => {
    const open = { mode: "open" as const, blocked: new Set(["bad.example"]), allowed: new Set<string>() };
    expect(judgeHost(open, "fine.example")).toEqual({ allowed: true });
    expect(judgeHost(open, "x.bad.example")).toEqual({ allowed: false, reason: "blocked", entry: "bad.example" });
    const closed = { mode: "allowlist" as const, blocked: new Set(["bad.friends.example"]), allowed: new Set(["friends.example"]) };
    expect(judgeHost(closed, "friends.example")).toEqual({ allowed: true });
    expect(judgeHost(closed, "social.friends.example")).toEqual({ allowed: true });
    expect(judgeHost(closed, "stranger.example")).toEqual({ allowed: false, reason: "not-allowed" });
    expect(judgeHost(closed, "bad.friends.example").allowed).toBe(false);
  });
});

describe("inbox rate limiter", () => {
  it("limits each host on its own and tells when to retry", () => {
    let now = 1_000_000;
    const limiter = new HostRateLimiter({ limit: 3, windowSeconds: 60, now: () => now });
    for (let i = 0; i < 3; i++) expect(limiter.hit("a.example")).toEqual({ allowed: true });
    expect(limiter.hit("a.example")).toEqual({ allowed: false, retryAfterSeconds: 60 });
    // Another host is unaffected by a's burst.
    expect(limiter.hit("b.example")).toEqual({ allowed: true });
    now += 45_500;
    expect(limiter.hit("a.example")).toEqual({ allowed: false, retryAfterSeconds: 15 });
    now += 15_000;
    expect(limiter.hit("a.example")).toEqual({ allowed: true });
  });

  it("does nothing with a limit of 0", () => {
    const limiter = new HostRateLimiter({ limit: 0, windowSeconds: 60 });
    for (let i = 0; i < 100; i++) expect(limiter.hit("a").allowed).toBe(true);
  });
});

describe("signer host", () => {
  it("reads keyId from draft-cavage and RFC 9421 headers", () => {
    const cavage = new Headers({ Signature: 'keyId="https://a.example/users/x#main-key",algorithm="rsa-sha256",headers="(request-target) host date",signature="abc"' });
    expect(signatureKeyId(cavage)).toBe("https://a.example/users/x#main-key");
    const rfc = new Headers({ "Signature-Input": 'sig1=("@method" "@target-uri");alg="rsa-v1_5-sha256";keyid="https://b.example/actor#key";created=1' });
    expect(signatureKeyId(rfc)).toBe("https://b.example/actor#key");
    expect(signatureKeyId(new Headers())).toBeNull();
  });
});

describe("safety configuration", () => {
  it("defaults to open federation and 300 inbox requests per 60 s", () => {
    const c = loadConfig({ env: {}, cwd: "/nonexistent" });
    expect(c.federation.mode).toBe("open");
    expect(c.limits).toMatchObject({ inboxRequestsPerWindow: 300, inboxWindowSeconds: 60 });
  });

  it("reads the environment overrides and names bad values", () => {
    const c = loadConfig({ cwd: "/nonexistent", env: { PRAXIS_FEDERATION_MODE: "allowlist", PRAXIS_INBOX_RATE_LIMIT: "50", PRAXIS_INBOX_RATE_WINDOW_SECONDS: "10" } });
    expect(c.federation.mode).toBe("allowlist");
    expect(c.limits).toMatchObject({ inboxRequestsPerWindow: 50, inboxWindowSeconds: 10 });
    expect(() => loadConfig({ cwd: "/nonexistent", env: { PRAXIS_FEDERATION_MODE: "closed" } })).toThrow(/federation\.mode/);
    expect(() => loadConfig({ cwd: "/nonexistent", env: { PRAXIS_INBOX_RATE_LIMIT: "lots" } })).toThrow(ConfigError);
  });
});
