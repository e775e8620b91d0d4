import { describe, expect, it } from "vitest";
import {
  audienceNamesOtherGroup, homeCommunity, type LocalTarget, stricterVisibility, visibilityOf, visibilityOfWrapped,
} from "../../src/domain/addressing.ts";
import { parseLanguages, validateSlug, ValidationError } from "../../src/domain/community.ts";
import { decideFollow } from "../../src/domain/membership.ts";
import { decidePostRelay, decideReactionRelay, mayChangePost } from "../../src/domain/relay.ts";

const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
const G = "https://cop.example/c/gardeners";
const H = "https://cop.example/c/hikers";
const resolve = (uri: string): LocalTarget | null =>
  uri === G ? { kind: "community", slug: "gardeners" }
  : uri === H ? { kind: "community", slug: "hikers" }
  : uri === `${G}/followers` ? { kind: "followers", slug: "gardeners" } : null;
const empty = { to: [], cc: [], audience: [], mentions: [] };

describe("visibility", () => {
  it("reads Mastodon's four visibilities", () => {
    expect(visibilityOf({ to: [PUBLIC], cc: [] })).toBe("public");
    expect(visibilityOf({ to: ["https://m.example/users/a/followers"], cc: [PUBLIC] })).toBe("unlisted");
    expect(visibilityOf({ to: ["https://m.example/users/a/followers"], cc: [G] }, "https://m.example/users/a/followers")).toBe("followers");
    expect(visibilityOf({ to: [G], cc: [] }, "https://m.example/users/a/followers")).toBe("direct");
    expect(visibilityOf({ to: ["as:Public"], cc: [] })).toBe("public");
  });

  it("takes the stricter of the object's and the activity's addressing", () => {
    const followers = "https://m.example/users/a/followers";
    expect(stricterVisibility("public", "followers")).toBe("followers");
    expect(stricterVisibility("direct", "unlisted")).toBe("direct");
    expect(visibilityOfWrapped({ to: [PUBLIC], cc: [] }, { to: [followers], cc: [G] }, followers)).toBe("followers");
    expect(visibilityOfWrapped({ to: [followers], cc: [] }, { to: [PUBLIC], cc: [] }, followers)).toBe("followers");
    expect(visibilityOfWrapped({ to: [PUBLIC], cc: [] }, { to: [], cc: [] })).toBe("direct");
    expect(visibilityOfWrapped({ to: [PUBLIC], cc: [] }, { to: [followers], cc: [PUBLIC] }, followers)).toBe("unlisted");
    expect(visibilityOfWrapped({ to: [PUBLIC], cc: [] }, null)).toBe("public");
  });
});

describe("home community", () => {
  it("prefers audience, then to, cc and mentions", () => {
    expect(homeCommunity({ ...empty, audience: [H], to: [G] }, resolve)).toBe("hikers");
    expect(homeCommunity({ ...empty, to: [PUBLIC, G], cc: [H] }, resolve)).toBe("gardeners");
    expect(homeCommunity({ ...empty, cc: [H] }, resolve)).toBe("hikers");
    expect(homeCommunity({ ...empty, mentions: [G] }, resolve)).toBe("gardeners");
    expect(homeCommunity({ ...empty, to: [`${G}/followers`] }, resolve)).toBe("gardeners");
  });

  it("falls back to the thread's community for replies", () => {
    expect(homeCommunity({ ...empty, to: [PUBLIC] }, resolve, "hikers")).toBe("hikers");
    expect(homeCommunity({ ...empty, to: [PUBLIC] }, resolve)).toBeNull();
  });

  it("spots an audience that names another group", () => {
    expect(audienceNamesOtherGroup({ ...empty, audience: ["https://lemmy.example/c/other"] }, resolve)).toBe(true);
    expect(audienceNamesOtherGroup({ ...empty, audience: [G] }, resolve)).toBe(false);
    expect(audienceNamesOtherGroup(empty, resolve)).toBe(false);
  });
});

describe("relay decisions", () => {
  const base = { visibility: "public" as const, authorIsMember: true, postingPolicy: "members" as const, communityDeleted: false, audienceIsOtherGroup: false };
  it("relays public and unlisted posts from members", () => {
    expect(decidePostRelay(base)).toEqual({ relay: true });
    expect(decidePostRelay({ ...base, visibility: "unlisted" })).toEqual({ relay: true });
  });
  it("never relays followers-only or direct posts, even from members of open communities", () => {
    expect(decidePostRelay({ ...base, visibility: "followers" })).toEqual({ relay: false, reason: "not-public" });
    expect(decidePostRelay({ ...base, visibility: "direct", postingPolicy: "anyone" })).toEqual({ relay: false, reason: "not-public" });
  });
  it("applies the posting policy to non-members", () => {
    expect(decidePostRelay({ ...base, authorIsMember: false })).toEqual({ relay: false, reason: "not-member" });
    expect(decidePostRelay({ ...base, authorIsMember: false, postingPolicy: "anyone" })).toEqual({ relay: true });
  });
  it("refuses posts for deleted communities or another group's audience", () => {
    expect(decidePostRelay({ ...base, communityDeleted: true })).toEqual({ relay: false, reason: "deleted-community" });
    expect(decidePostRelay({ ...base, audienceIsOtherGroup: true })).toEqual({ relay: false, reason: "foreign-audience" });
  });
  it("relays reactions from those who may post, on live posts", () => {
    expect(decideReactionRelay({ actorIsMember: true, postingPolicy: "members", postDeleted: false })).toBe(true);
    expect(decideReactionRelay({ actorIsMember: false, postingPolicy: "members", postDeleted: false })).toBe(false);
    expect(decideReactionRelay({ actorIsMember: false, postingPolicy: "anyone", postDeleted: false })).toBe(true);
    expect(decideReactionRelay({ actorIsMember: true, postingPolicy: "members", postDeleted: true })).toBe(false);
  });
  it("lets only the author change a post", () => {
    expect(mayChangePost("https://a/u/1", "https://a/u/1")).toBe(true);
    expect(mayChangePost("https://a/u/2", "https://a/u/1")).toBe(false);
  });
});

describe("membership", () => {
  it("accepts at once in open communities and holds requests in closed ones", () => {
    expect(decideFollow({ closed: false, deleted: false, existing: null })).toEqual({ action: "accept", status: "accepted" });
    expect(decideFollow({ closed: true, deleted: false, existing: null })).toEqual({ action: "hold", status: "pending" });
    expect(decideFollow({ closed: true, deleted: false, existing: "pending" })).toEqual({ action: "hold", status: "pending" });
  });
  it("answers a repeated Follow from a member again", () => {
    expect(decideFollow({ closed: true, deleted: false, existing: "accepted" })).toEqual({ action: "accept", status: "accepted" });
  });
  it("refuses to join a deleted community", () => {
    expect(decideFollow({ closed: false, deleted: true, existing: null })).toEqual({ action: "refuse" });
  });
});

describe("community fields", () => {
  it("validates slugs", () => {
    expect(validateSlug("urban-gardeners")).toBe("urban-gardeners");
    for (const bad of ["", "Upper", "-x", "x-", "a b", "instance", "x".repeat(65), "é"]) {
      expect(() => validateSlug(bad)).toThrow(ValidationError);
    }
  });
  it("parses language lists", () => {
    expect(parseLanguages("en, fr,fr-CA,en")).toEqual(["en", "fr", "fr-CA"]);
    expect(() => parseLanguages("english")).toThrow(/language/);
  });
});
