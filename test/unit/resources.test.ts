// Rules of the resource centre and of practice statuses, and the Markdown
// renderer's sanitising: pure functions, no server.
import { describe, expect, it } from "vitest";
import {
  decideTransition, parsePracticeStatus, PRACTICE_HASHTAGS, statusOfHashtag, validateNote,
} from "../../src/domain/practice.ts";
import { parseKind, parseResourceLanguage, validateResourceUrl, validateSource, validateTitle } from "../../src/domain/resources.ts";
import { praxisTerm } from "../../src/federation/resource-objects.ts";
import { renderMarkdown } from "../../src/web/markdown.ts";

describe("renderMarkdown", () => {
  it("renders Markdown: headings under the page title, emphasis, lists, links, tables", () => {
    const out = renderMarkdown("# Title\n\n## Part\n\nSome **bold** and *em*.\n\n- one\n- two\n\n[site](https://example.org)\n\n| a | b |\n|---|---|\n| 1 | 2 |\n");
    expect(out).toContain("<h2>Title</h2>");
    expect(out).toContain("<h2>Part</h2>");
    expect(out).toContain("<strong>bold</strong>");
    expect(out).toContain("<em>em</em>");
    expect(out).toContain("<li>one</li>");
    expect(out).toMatch(/<a href="https:\/\/example.org" rel="nofollow noopener noreferrer ugc">site<\/a>/);
    expect(out).toContain("<td>2</td>");
  });

  it("drops scripts, event handlers, images, iframes and styles", () => {
    const out = renderMarkdown("<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n<iframe src=https://evil.example></iframe>\n\n<p style=\"color:red\" onclick=\"x()\">hi</p>\n\n<style>body{}</style>");
    expect(out).not.toMatch(/<script|alert\(1\)|onerror|<img|<iframe|style=|onclick|<style|body\{\}/i);
    expect(out).toContain("hi");
  });

  it("never keeps javascript:, data: or vbscript: links, in Markdown or raw HTML", () => {
    for (const src of ["[x](javascript:alert(1))", "<a href=\"javascript:alert(1)\">x</a>", "[x](JaVaScRiPt:alert(1))",
      "[x](data:text/html;base64,PHNjcmlwdD4=)", "<a href=\"vbscript:msgbox\">x</a>", "<a href=\"&#106;avascript:alert(1)\">x</a>"]) {
      const out = renderMarkdown(src);
      expect(out, src).not.toMatch(/javascript:|data:|vbscript:/i);
      expect(out, src).toContain("x");
    }
  });
});

describe("resource fields", () => {
  it("accepts http(s) URLs only, naming the field", () => {
    expect(validateResourceUrl(" https://example.org/a b ")).toBe("https://example.org/a%20b");
    for (const bad of ["javascript:alert(1)", "ftp://example.org", "/relative", "https://user:pw@example.org/", "not a url"]) {
      expect(() => validateResourceUrl(bad), bad).toThrow(/^url:/);
    }
  });
  it("accepts the five kinds and two languages", () => {
    expect(parseKind("protocol")).toBe("protocol");
    expect(() => parseKind("poem")).toThrow(/^kind:/);
    expect(parseResourceLanguage("fr")).toBe("fr");
    expect(() => parseResourceLanguage("de")).toThrow(/^language:/);
  });
  it("needs a title and a non-empty Markdown source", () => {
    expect(validateTitle("  A   guide ")).toBe("A guide");
    expect(() => validateTitle("   ")).toThrow(/^title:/);
    expect(() => validateTitle("x".repeat(201))).toThrow(/^title:/);
    expect(() => validateSource(" \n ")).toThrow(/^file:/);
  });
});

describe("practice status rules", () => {
  it("parses statuses and their hashtags", () => {
    expect(parsePracticeStatus("best-practice")).toBe("best-practice");
    expect(() => parsePracticeStatus("best")).toThrow(/^status:/);
    expect(PRACTICE_HASHTAGS["best-practice"]).toBe("BestPractice");
    expect(statusOfHashtag("#bestpractice")).toBe("best-practice");
    expect(statusOfHashtag("#EvaluatedPractice")).toBe("evaluated");
    expect(statusOfHashtag("#gardening")).toBeNull();
  });

  it("a first mark is proposed or evaluated, never best-practice", () => {
    expect(decideTransition(null, "proposed", null)).toEqual({ ok: true, downgrade: false });
    expect(decideTransition(null, "evaluated", null)).toEqual({ ok: true, downgrade: false });
    expect(decideTransition(null, "best-practice", null)).toMatchObject({ ok: false });
  });

  it("goes up one step at a time: proposed → evaluated → best-practice", () => {
    expect(decideTransition("proposed", "evaluated", null)).toEqual({ ok: true, downgrade: false });
    expect(decideTransition("evaluated", "best-practice", null)).toEqual({ ok: true, downgrade: false });
    expect(decideTransition("proposed", "best-practice", null)).toMatchObject({ ok: false, message: expect.stringMatching(/one step/) });
  });

  it("goes down only with a note", () => {
    expect(decideTransition("best-practice", "evaluated", null)).toMatchObject({ ok: false, message: expect.stringMatching(/note/) });
    expect(decideTransition("best-practice", "proposed", "  ")).toMatchObject({ ok: false });
    expect(decideTransition("best-practice", "proposed", "no longer used")).toEqual({ ok: true, downgrade: true });
  });

  it("refuses marking the same status again", () => {
    expect(decideTransition("evaluated", "evaluated", "again")).toMatchObject({ ok: false, message: expect.stringMatching(/already/) });
  });

  it("trims notes and bounds them", () => {
    expect(validateNote("  why  ")).toBe("why");
    expect(validateNote("   ")).toBeNull();
    expect(validateNote(undefined)).toBeNull();
    expect(() => validateNote("x".repeat(1001))).toThrow(/^note:/);
  });
});

describe("praxisTerm", () => {
  it("reads the short term, the compact IRI and the full IRI, in any JSON-LD shape", () => {
    expect(praxisTerm({ practiceStatus: "evaluated" }, "practiceStatus")).toBe("evaluated");
    expect(praxisTerm({ "praxis:practiceStatus": "proposed" }, "practiceStatus")).toBe("proposed");
    expect(praxisTerm({ "https://w3id.org/praxis/ns#practiceOf": { id: "https://a.example/1" } }, "practiceOf")).toBe("https://a.example/1");
    expect(praxisTerm({ "https://w3id.org/praxis/ns#practiceOf": [{ "@id": "https://a.example/2" }] }, "practiceOf")).toBe("https://a.example/2");
    expect(praxisTerm({ other: 1 }, "practiceStatus")).toBeNull();
    expect(praxisTerm(null, "practiceStatus")).toBeNull();
  });
});
