import { describe, expect, it } from "vitest";
import { audienceNamesOtherGroup, type LocalTarget } from "../../src/domain/addressing.ts";

const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
const G = "https://cop.example/c/gardeners";
const resolve = (uri: string): LocalTarget | null => (uri === G ? { kind: "community", slug: "gardeners" } : null);
const addressed = (audience: string[]) => ({ to: [G, PUBLIC], cc: [], audience, mentions: [] });

describe("an audience holding the Public collection", () => {
  it("names no other group, in any of its spellings", () => {
    for (const p of [PUBLIC, "as:Public", "Public"]) {
      expect(audienceNamesOtherGroup(addressed([p]), resolve)).toBe(false);
      expect(audienceNamesOtherGroup(addressed([p, G]), resolve)).toBe(false);
    }
  });

  it("still lets another group beside it count", () => {
    expect(audienceNamesOtherGroup(addressed([PUBLIC, "https://lemmy.example/c/other"]), resolve)).toBe(true);
  });
});
