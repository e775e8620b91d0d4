import { describe, expect, it } from "vitest";
import {
  decideIncomingAnnounce, decideLink, decidePromotion, type IncomingAnnounce, isAutoApproved, matchesPromotionRule, mayFlow,
} from "../../src/domain/network.ts";

const P = "https://a.example/c/national";
const C = "https://b.example/c/local";

describe("decideLink", () => {
  const base = { parent: P, child: C, ancestorsOfParent: new Set<string>(), heightAboveParent: 0, depthBelowChild: 0, maxDepth: 6 };
  it("allows a first link", () => expect(decideLink(base)).toEqual({ ok: true }));
  it("refuses a self link", () => expect(decideLink({ ...base, child: P })).toMatchObject({ ok: false, reason: "self" }));
  it("refuses a link whose child is already an ancestor of the parent", () => {
    expect(decideLink({ ...base, ancestorsOfParent: new Set(["https://x.example/c/w", C]) })).toMatchObject({ ok: false, reason: "cycle" });
  });
  it("counts levels through the new link against the cap", () => {
    expect(decideLink({ ...base, heightAboveParent: 3, depthBelowChild: 1, maxDepth: 6 })).toEqual({ ok: true });
    expect(decideLink({ ...base, heightAboveParent: 3, depthBelowChild: 2, maxDepth: 6 })).toMatchObject({ ok: false, reason: "too-deep" });
  });
});

describe("mayFlow", () => {
  it("keeps a closed community's content away from public neighbours", () => {
    expect(mayFlow({ closed: false }, { closed: false })).toBe(true);
    expect(mayFlow({ closed: false }, { closed: true })).toBe(true);
    expect(mayFlow({ closed: true }, { closed: true })).toBe(true);
    expect(mayFlow({ closed: true }, { closed: false })).toBe(false);
  });
});

describe("decideIncomingAnnounce", () => {
  const base: IncomingAnnounce = {
    relation: "child", neighbourClosed: false, receiverClosed: false, objectIsPublic: true, objectIsReply: false,
    ownPost: false, alreadyAnnounced: false, alreadyHeld: false, cascadeEnabled: true, matchesPromotionRule: false,
  };
  it("rolls up what a child announces, without re-announcing it", () => {
    expect(decideIncomingAnnounce(base)).toEqual({ action: "roll-up", promote: false });
  });
  it("promotes a rolled-up post that matches a rule, once", () => {
    expect(decideIncomingAnnounce({ ...base, matchesPromotionRule: true })).toEqual({ action: "roll-up", promote: true });
    expect(decideIncomingAnnounce({ ...base, matchesPromotionRule: true, alreadyAnnounced: true })).toEqual({ action: "roll-up", promote: false });
  });
  it("cascades what a parent announces, unless off or already announced", () => {
    expect(decideIncomingAnnounce({ ...base, relation: "parent" })).toEqual({ action: "cascade" });
    expect(decideIncomingAnnounce({ ...base, relation: "parent", cascadeEnabled: false }).action).toBe("ignore");
    expect(decideIncomingAnnounce({ ...base, relation: "parent", alreadyAnnounced: true }).action).toBe("ignore");
  });
  it("never moves non-public posts, replies, a closed child's posts or our own posts", () => {
    expect(decideIncomingAnnounce({ ...base, objectIsPublic: false }).action).toBe("ignore");
    expect(decideIncomingAnnounce({ ...base, objectIsReply: true }).action).toBe("ignore");
    expect(decideIncomingAnnounce({ ...base, neighbourClosed: true }).action).toBe("ignore");
    expect(decideIncomingAnnounce({ ...base, neighbourClosed: true, receiverClosed: true }).action).toBe("roll-up");
    expect(decideIncomingAnnounce({ ...base, relation: "parent", ownPost: true }).action).toBe("ignore");
  });
  it("rolls a post up only once", () => {
    expect(decideIncomingAnnounce({ ...base, alreadyHeld: true }).action).toBe("ignore");
  });
});

describe("decidePromotion", () => {
  const ok = { held: true, withdrawn: false, alreadyAnnounced: false, ownPost: false };
  it("promotes a held post once", () => {
    expect(decidePromotion(ok)).toEqual({ ok: true });
    expect(decidePromotion({ ...ok, alreadyAnnounced: true })).toMatchObject({ ok: false, reason: "announced" });
    expect(decidePromotion({ ...ok, held: false })).toMatchObject({ ok: false, reason: "unknown" });
    expect(decidePromotion({ ...ok, withdrawn: true })).toMatchObject({ ok: false, reason: "withdrawn" });
  });
});

describe("rules by tag and auto-approval", () => {
  it("matches hashtags case-insensitively, with or without #", () => {
    expect(matchesPromotionRule(["BestPractice"], ["#bestpractice"])).toBe(true);
    expect(matchesPromotionRule(["other"], ["bestpractice"])).toBe(false);
    expect(matchesPromotionRule(["any"], [])).toBe(false);
  });
  it("auto-approves by host, by Group URI or for anyone", () => {
    expect(isAutoApproved(C, ["b.example"])).toBe(true);
    expect(isAutoApproved(C, [C])).toBe(true);
    expect(isAutoApproved(C, ["*"])).toBe(true);
    expect(isAutoApproved(C, ["a.example", "https://b.example/c/other"])).toBe(false);
    expect(isAutoApproved("not a uri", ["*"])).toBe(false);
  });
});
