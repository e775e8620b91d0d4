import { readFileSync } from "node:fs";
import { Flag } from "@fedify/vocab";
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../src/domain/community.ts";
import { decideFollow } from "../../src/domain/membership.ts";
import {
  assertReportOpen, decideModeratedPost, forwardOrigins, isBanActive, mayReact, parseBanExpiry, reportComment,
  reportCommunity, reportedObjects, validateReason,
} from "../../src/domain/moderation.ts";

const NOW = new Date("2026-01-15T12:00:00Z");

describe("bans", () => {
  it("hold until they expire, or forever without expiry", () => {
    expect(isBanActive(null, NOW)).toBe(false);
    expect(isBanActive({ expiresAt: null }, NOW)).toBe(true);
    expect(isBanActive({ expiresAt: "2026-01-15T12:00:01Z" }, NOW)).toBe(true);
    expect(isBanActive({ expiresAt: "2026-01-15T12:00:00Z" }, NOW)).toBe(false);
    expect(isBanActive({ expiresAt: "2025-12-31T00:00:00Z" }, NOW)).toBe(false);
  });

  it("parse --expires as a future ISO 8601 date, normalised to UTC", () => {
    expect(parseBanExpiry(undefined, NOW)).toBeNull();
    expect(parseBanExpiry("", NOW)).toBeNull();
    expect(parseBanExpiry("2026-02-01", NOW)).toBe("2026-02-01T00:00:00.000Z");
    expect(parseBanExpiry("2026-02-01T10:00:00+02:00", NOW)).toBe("2026-02-01T08:00:00.000Z");
    expect(() => parseBanExpiry("next week", NOW)).toThrow(ValidationError);
    expect(() => parseBanExpiry("2026-13-45", NOW)).toThrow(/expires/);
    expect(() => parseBanExpiry("2025-01-01", NOW)).toThrow(/in the past/);
  });

  it("refuse a banned actor's follow with Reject, and their reactions", () => {
    expect(decideFollow({ closed: false, deleted: false, existing: null, banned: true })).toEqual({ action: "reject" });
    expect(decideFollow({ closed: false, deleted: false, existing: "accepted", banned: true })).toEqual({ action: "reject" });
    expect(decideFollow({ closed: false, deleted: true, existing: null, banned: true })).toEqual({ action: "refuse" });
    expect(decideFollow({ closed: false, deleted: false, existing: null, banned: false })).toEqual({ action: "accept", status: "accepted" });
    expect(mayReact({ actorIsBanned: true })).toBe(false);
    expect(mayReact({ actorIsBanned: false })).toBe(true);
  });
});

describe("reasons", () => {
  it("are optional, trimmed and bounded", () => {
    expect(validateReason(undefined)).toBeNull();
    expect(validateReason("   ")).toBeNull();
    expect(validateReason("  spam ")).toBe("spam");
    expect(() => validateReason("x".repeat(1001))).toThrow(/reason/);
  });
});

describe("decideModeratedPost", () => {
  const base = { actorIsBanned: false, isReply: false, threadLocked: false, announcementOnly: false, actorIsModerator: false };

  it("lets ordinary posts through", () => {
    expect(decideModeratedPost(base)).toEqual({ allowed: true });
  });

  it("refuses a banned actor, moderator or not", () => {
    expect(decideModeratedPost({ ...base, actorIsBanned: true })).toEqual({ allowed: false, reason: "banned" });
    expect(decideModeratedPost({ ...base, actorIsBanned: true, actorIsModerator: true })).toEqual({ allowed: false, reason: "banned" });
  });

  it("refuses replies into a locked thread, except from moderators", () => {
    expect(decideModeratedPost({ ...base, isReply: true, threadLocked: true })).toEqual({ allowed: false, reason: "locked" });
    expect(decideModeratedPost({ ...base, isReply: true, threadLocked: true, actorIsModerator: true })).toEqual({ allowed: true });
  });

  it("keeps new threads of announcement-only communities to moderators; replies stay open, as in Lemmy", () => {
    expect(decideModeratedPost({ ...base, announcementOnly: true })).toEqual({ allowed: false, reason: "announcement-only" });
    expect(decideModeratedPost({ ...base, announcementOnly: true, actorIsModerator: true })).toEqual({ allowed: true });
    expect(decideModeratedPost({ ...base, announcementOnly: true, isReply: true })).toEqual({ allowed: true });
  });
});

describe("reports", () => {
  it("parse a Mastodon Flag: reported account and statuses in object, comment in content", async () => {
    const json = JSON.parse(readFileSync(new URL("../fixtures/mastodon-flag.json", import.meta.url), "utf8"));
    const flag = await Flag.fromJsonLd(json);
    const objects = reportedObjects(flag.objectIds.map((u) => u.href));
    expect(objects).toEqual([
      "https://remote.example/users/spammer",
      "https://remote.example/users/spammer/statuses/110000000000000001",
      "https://remote.example/users/spammer/statuses/110000000000000002",
    ]);
    expect(reportComment(flag.content?.toString())).toBe("Spam links posted in several communities");
    expect(flag.actorId?.href).toBe("https://mastodon.example/actor");
  });

  it("keep http(s) objects only, once each, and bound comments", () => {
    expect(reportedObjects(["https://a.example/1", "urn:x", "https://a.example/1", "http://b.example/2"]))
      .toEqual(["https://a.example/1", "http://b.example/2"]);
    expect(reportedObjects(Array.from({ length: 80 }, (_, i) => `https://a.example/${i}`))).toHaveLength(50);
    expect(reportComment(undefined)).toBe("");
    expect(reportComment(` ${"y".repeat(2000)}`)).toHaveLength(1000);
  });

  it("attach to the community of the first reported post, else the instance", () => {
    const communities: Record<string, string> = { "https://a.example/post/2": "c2", "https://a.example/post/3": "c3" };
    const of = (uri: string) => communities[uri] ?? null;
    expect(reportCommunity(["https://a.example/users/x", "https://a.example/post/2", "https://a.example/post/3"], of)).toBe("c2");
    expect(reportCommunity(["https://a.example/users/x"], of)).toBeNull();
  });

  it("forward to the reported servers, never to ourselves", () => {
    expect(forwardOrigins(["https://a.example/u/1", "https://a.example/p/1", "https://b.example/p/2", "https://me.example/c/x", "nonsense"], "https://me.example"))
      .toEqual(["https://a.example", "https://b.example"]);
  });

  it("can be closed only once", () => {
    expect(() => assertReportOpen("open", "r1")).not.toThrow();
    expect(() => assertReportOpen("resolved", "r1")).toThrow(/already resolved/);
    expect(() => assertReportOpen("dismissed", "r1")).toThrow(ValidationError);
  });
});
