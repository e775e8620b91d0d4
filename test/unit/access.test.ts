import { describe, expect, it } from "vitest";
import { decideMembersOnlyRead, isPubliclyAddressed, type ReaderFacts } from "../../src/domain/access.ts";

const nobody: ReaderFacts = {
  signer: "https://social.example/users/eve",
  signerAllowed: true,
  signerIsMember: false,
  signerIsModerator: false,
  signerIsServerActor: false,
  signerServerHostsMember: false,
};

describe("members-only reads", () => {
  it("refuses unsigned requests, blocked hosts and non-members", () => {
    expect(decideMembersOnlyRead({ ...nobody, signer: null })).toEqual({ allowed: false, reason: "unsigned" });
    expect(decideMembersOnlyRead({ ...nobody, signerIsMember: true, signerAllowed: false })).toEqual({ allowed: false, reason: "blocked" });
    expect(decideMembersOnlyRead(nobody)).toEqual({ allowed: false, reason: "not-member" });
  });

  it("lets members and moderators in", () => {
    expect(decideMembersOnlyRead({ ...nobody, signerIsMember: true })).toEqual({ allowed: true, as: "member" });
    expect(decideMembersOnlyRead({ ...nobody, signerIsModerator: true })).toEqual({ allowed: true, as: "moderator" });
  });

  it("lets a member's server in through its own actor, not its other people", () => {
    expect(decideMembersOnlyRead({ ...nobody, signerIsServerActor: true, signerServerHostsMember: true }))
      .toEqual({ allowed: true, as: "member-server" });
    expect(decideMembersOnlyRead({ ...nobody, signerIsServerActor: true })).toEqual({ allowed: false, reason: "not-member" });
    expect(decideMembersOnlyRead({ ...nobody, signerServerHostsMember: true })).toEqual({ allowed: false, reason: "not-member" });
  });
});

describe("public addressing of a recorded activity", () => {
  it("reads Public in to or cc, in any of its spellings", () => {
    expect(isPubliclyAddressed({ to: "https://www.w3.org/ns/activitystreams#Public" })).toBe(true);
    expect(isPubliclyAddressed({ to: ["https://cop.example/c/x/followers"], cc: ["as:Public"] })).toBe(true);
    expect(isPubliclyAddressed({ to: { id: "Public" } })).toBe(true);
  });

  it("treats followers-only, direct and malformed JSON as not public", () => {
    expect(isPubliclyAddressed({ to: "https://cop.example/c/x/followers" })).toBe(false);
    expect(isPubliclyAddressed({ object: { to: "as:Public" } })).toBe(false);
    expect(isPubliclyAddressed(null)).toBe(false);
    expect(isPubliclyAddressed("as:Public")).toBe(false);
  });
});
