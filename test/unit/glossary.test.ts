import { describe, expect, it } from "vitest";
import { ValidationError } from "../../src/domain/community.ts";
import {
  decideDefine, defaultGlossaryLanguage, type GlossaryEntry, mergeGlossary, normalizeTermText, parseGlossaryLanguage, supersedes,
  termAnchor, termKey, validateDefinition, validateSource, validateTerm,
} from "../../src/domain/glossary.ts";

const A = "https://a.example/c/world";
const B = "https://b.example/c/france";
const C = "https://c.example/c/lyon";

function entry(over: Partial<GlossaryEntry> & { term: string; community: string }): GlossaryEntry {
  return {
    id: `${over.community}/glossary/${termKey(over.term)}-${over.language ?? "en"}`,
    key: termKey(over.term), definition: "d", language: "en", version: 1, source: null,
    communityName: null, communityHandle: null, distance: 0, updatedAt: null, ...over,
  };
}

function fieldOf(fn: () => unknown): string | null {
  try {
    fn();
  } catch (e) {
    return e instanceof ValidationError ? e.field : "not a ValidationError";
  }
  return null;
}

describe("term normalisation", () => {
  it("makes case, white space and Unicode forms one term", () => {
    expect(termKey("Best  Practice")).toBe(termKey("best practice"));
    expect(termKey("  best\tpractice\n")).toBe("best practice");
    expect(termKey("BEST\u00a0PRACTICE")).toBe("best practice");
    // é precomposed (NFC) and e + combining acute (NFD)
    expect(termKey("Pratique d\u00e9clar\u00e9e")).toBe(termKey("pratique de\u0301clare\u0301e"));
    expect(termKey("pratique de\u0301clare\u0301e")).toBe("pratique d\u00e9clar\u00e9e");
    expect(termKey("Communauté")).not.toBe(termKey("Communaute"));
  });

  it("keeps the spelling as written, in NFC with single spaces", () => {
    expect(normalizeTermText("  Best   Practice ")).toBe("Best Practice");
    expect(validateTerm("Cafe\u0301  Lab")).toEqual({ term: "Caf\u00e9 Lab", key: "caf\u00e9 lab" });
  });

  it("refuses empty, too long and control-character terms, naming the field", () => {
    expect(fieldOf(() => validateTerm("   "))).toBe("term");
    expect(fieldOf(() => validateTerm("x".repeat(201)))).toBe("term");
    expect(fieldOf(() => validateTerm("a\u0007b"))).toBe("term");
    expect(fieldOf(() => validateTerm(42))).toBe("term");
    expect(validateTerm("x".repeat(200)).term).toHaveLength(200);
  });
});

describe("definitions, languages and sources", () => {
  it("validates definitions", () => {
    expect(validateDefinition("  A shared way of working.\r\n")).toBe("A shared way of working.");
    expect(fieldOf(() => validateDefinition(""))).toBe("definition");
    expect(fieldOf(() => validateDefinition("x".repeat(5001)))).toBe("definition");
  });
  it("accepts en and fr only", () => {
    expect(parseGlossaryLanguage("FR")).toBe("fr");
    expect(fieldOf(() => parseGlossaryLanguage("de"))).toBe("language");
    expect(defaultGlossaryLanguage(["fr-CA", "en"])).toBe("fr");
    expect(defaultGlossaryLanguage(["de"])).toBe("en");
  });
  it("accepts http(s) sources only", () => {
    expect(validateSource(undefined)).toBeNull();
    expect(validateSource("https://example.org/a b")).toBe("https://example.org/a%20b");
    expect(fieldOf(() => validateSource("javascript:alert(1)"))).toBe("source");
    expect(fieldOf(() => validateSource("not a url"))).toBe("source");
    expect(fieldOf(() => validateSource("https://u:p@example.org/"))).toBe("source");
  });
});

describe("versions", () => {
  it("creates version 1, then increments on each change, and ignores a repeat", () => {
    expect(decideDefine(null, { term: "T", definition: "a", source: null })).toEqual({ action: "create", version: 1 });
    const v1 = { version: 1, term: "T", definition: "a", source: null };
    expect(decideDefine(v1, { term: "T", definition: "b", source: null })).toEqual({ action: "update", version: 2 });
    expect(decideDefine(v1, { term: "T", definition: "a", source: "https://x.example/" })).toEqual({ action: "update", version: 2 });
    expect(decideDefine(v1, { term: "T", definition: "a", source: null })).toEqual({ action: "unchanged", version: 1 });
  });
  it("lets only a newer version of a definition replace the one held", () => {
    expect(supersedes(undefined, { id: "x", version: 1 })).toBe(true);
    expect(supersedes({ id: "x", version: 3 }, { id: "x", version: 2 })).toBe(false);
    expect(supersedes({ id: "x", version: 3 }, { id: "x", version: 4 })).toBe(true);
  });
});

describe("mergeGlossary", () => {
  it("lists the local refinement first, then ancestors from the nearest up, each with its origin", () => {
    const local = [entry({ term: "best practice", community: C, definition: "ours" })];
    const inherited = [
      entry({ term: "Best  Practice", community: A, definition: "world's", distance: 2 }),
      entry({ term: "best practice", community: B, definition: "france's", distance: 1 }),
      entry({ term: "Agile", community: A, distance: 2 }),
    ];
    const merged = mergeGlossary(local, inherited);
    expect(merged.map((e) => [e.key, e.community, e.inherited])).toEqual([
      ["agile", A, true],
      ["best practice", C, false],
      ["best practice", B, true],
      ["best practice", A, true],
    ]);
    expect(merged[1]).toMatchObject({ refines: true, refined: false, definition: "ours" });
    expect(merged[2]).toMatchObject({ refines: false, refined: true });
    expect(merged[0]).toMatchObject({ refines: false, refined: false });
  });

  it("keeps a grandparent's entry attributed to the grandparent and lists it once when reached twice", () => {
    const viaOne = entry({ term: "Guild", community: A, distance: 2 });
    const viaTwo = { ...viaOne, distance: 3 };
    const merged = mergeGlossary([], [viaTwo, viaOne]);
    expect(merged).toHaveLength(1);
    expect(merged[0]).toMatchObject({ community: A, distance: 2, inherited: true });
  });

  it("keeps languages apart and filters by language", () => {
    const local = [entry({ term: "Practice", community: C, language: "fr" })];
    const inherited = [entry({ term: "practice", community: A, language: "en", distance: 1 })];
    const merged = mergeGlossary(local, inherited);
    expect(merged.map((e) => [e.language, e.refines, e.refined])).toEqual([["en", false, false], ["fr", false, false]]);
    expect(mergeGlossary(local, inherited, "fr").map((e) => e.community)).toEqual([C]);
  });

  it("drops an inherited copy of the community's own entry", () => {
    const own = entry({ term: "Loop", community: C });
    expect(mergeGlossary([own], [{ ...own, distance: 2 }])).toHaveLength(1);
  });

  it("gives stable, safe anchors", () => {
    expect(termAnchor("best practice", "en")).toBe("term-en-best-practice");
    expect(termAnchor("\"<x>\"", "fr")).toBe("term-fr-x");
  });
});

describe("definitions read from an ancestor", () => {
  const ancestor = { uri: A, name: "World", handle: "@world@a.example", distance: 2 };
  const base = {
    id: `${A}/glossary/1`, type: ["Note", "DefinedTerm"], attributedTo: A, name: "Best practice", term: "Best  Practice",
    definition: "Plain text & more < often", version: 3, inLanguage: "en", citation: "https://example.org/x",
  };

  it("keeps the origin community and the Praxis terms", async () => {
    const { parseRemoteEntry } = await import("../../src/federation/glossary-inheritance.ts");
    expect(parseRemoteEntry(base, ancestor)).toMatchObject({
      id: `${A}/glossary/1`, term: "Best Practice", key: "best practice", definition: "Plain text & more < often", version: 3,
      language: "en", source: "https://example.org/x", community: A, communityName: "World", distance: 2,
    });
  });

  it("strips remote HTML (scripts with their content) from terms and definitions", async () => {
    const { parseRemoteEntry } = await import("../../src/federation/glossary-inheritance.ts");
    const e = parseRemoteEntry({
      ...base, term: "<b>Loop</b>", definition: "<p>First <script>alert(1)</script><img src=x onerror=alert(2)>part</p><p>Second</p>",
    }, ancestor);
    expect(e).toMatchObject({ term: "Loop", definition: "First part\n\nSecond" });
    // Without praxis:definition, the content stands in, stripped the same way.
    const fromContent = parseRemoteEntry({ ...base, definition: undefined, content: "<p><b>T</b>: <a href=\"javascript:x\">d</a></p>" }, ancestor);
    expect(fromContent?.definition).toBe("T: d");
  });

  it("refuses entries that are not the ancestor's own, and unsafe sources", async () => {
    const { parseRemoteEntry } = await import("../../src/federation/glossary-inheritance.ts");
    expect(parseRemoteEntry({ ...base, id: `${B}/glossary/1` }, ancestor)).toBeNull();
    expect(parseRemoteEntry({ ...base, attributedTo: B }, ancestor)).toBeNull();
    expect(parseRemoteEntry({ ...base, term: "", name: "" }, ancestor)).toBeNull();
    expect(parseRemoteEntry({ ...base, citation: "javascript:alert(1)" }, ancestor)?.source).toBeNull();
    expect(parseRemoteEntry({ ...base, version: "x", inLanguage: "not a tag!" }, ancestor)).toMatchObject({ version: 1, language: "und" });
  });
});

describe("recognising glossary traffic", () => {
  it("takes only a change of the actor's own definition for a glossary change", async () => {
    const { Create, Note } = await import("@fedify/vocab");
    const { isGlossaryChange } = await import("../../src/federation/inbox/glossary.ts");
    const change = (actor: string, object: string) => new Create({ id: new URL(`${actor}/activities/1`), actor: new URL(actor), object: new Note({ id: new URL(object) }) });
    expect(isGlossaryChange(change(A, `${A}/glossary/5b0c`))).toBe(true);
    expect(isGlossaryChange(change(B, `${A}/glossary/5b0c`))).toBe(false);
    expect(isGlossaryChange(change(A, `${A}/posts/5b0c`))).toBe(false);
    expect(isGlossaryChange(change("https://m.example/users/bob", "https://m.example/users/bob/glossary/1"))).toBe(false);
  });

  it("serves ActivityPub JSON only to clients that ask for it before HTML", async () => {
    const { wantsActivityJson } = await import("../../src/web/routes/glossary.ts");
    expect(wantsActivityJson("application/activity+json")).toBe(true);
    expect(wantsActivityJson('application/ld+json; profile="https://www.w3.org/ns/activitystreams"')).toBe(true);
    expect(wantsActivityJson("text/html,application/xhtml+xml,application/json;q=0.9")).toBe(false);
    expect(wantsActivityJson("*/*")).toBe(false);
    expect(wantsActivityJson(undefined)).toBe(false);
  });
});
