// The hostile values the generator draws from: wrong types, bad ids, remote
// and inline @contexts, invalid UTF-8. Pure data and small builders.
import type { Prng } from "./prng.ts";

export const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
export const PUBLIC_FORMS: ReadonlySet<string> = new Set([PUBLIC, "as:Public", "Public"]);

/** Values of the wrong type for any field (JSON.parse-made, so "__proto__" is an own key). */
export function wrongValue(prng: Prng): { label: string; value: unknown } {
  const pool: Array<[string, () => unknown]> = [
    ["0", () => 0],
    ["-1", () => -1],
    ["1.5", () => 1.5],
    ["1e308", () => 1e308],
    ["2^53+1", () => 2 ** 53 + 1],
    ["true", () => true],
    ["false", () => false],
    ["null", () => null],
    ["empty string", () => ""],
    ["blank string", () => "   "],
    ["[]", () => []],
    ["[null]", () => [null]],
    ["[[]]", () => [[]]],
    ["[1,\"a\",{}]", () => [1, "a", {}]],
    ["{}", () => ({})],
    ["{id: 5}", () => ({ id: 5 })],
    ["{@id: javascript:}", () => ({ "@id": "javascript:alert(1)" })],
    ["{@value: 5}", () => ({ "@value": 5 })],
    ["{@value: x, @type: dateTime}", () => ({ "@value": "x", "@type": "http://www.w3.org/2001/XMLSchema#dateTime" })],
    ["{@list: [...]}", () => ({ "@list": [1, 2] })],
    ["{type: Note}", () => ({ type: "Note" })],
    ["{__proto__}", () => JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}')],
    ["javascript: URL", () => "javascript:alert(1)"],
    ["NUL and controls", () => "\u0000\u0001\u001b[31m"],
    ["bidi override", () => "\u202e\u2066evil\u2069"],
    ["emoji x1000", () => "\u{1F525}".repeat(1000)],
    ["lone surrogate", () => "\ud800x\udfff"],
    ["<script>", () => "<script>alert(1)</script><img src=x onerror=alert(1)>"],
  ];
  const [label, make] = prng.pick(pool);
  return { label, value: make() };
}

/** Ids that are not usable absolute http(s) URLs of the sender. */
export function badId(prng: Prng, world: { victim: string; group: string; praxisOrigin: string }, n: number): { label: string; value: string } {
  const pool: Array<[string, () => string]> = [
    ["relative path", () => `notes/h${n}`],
    ["absolute path", () => `/notes/h${n}`],
    ["empty", () => ""],
    ["javascript:", () => "javascript:alert(document.cookie)"],
    ["data:", () => "data:text/html,<script>alert(1)</script>"],
    ["urn:uuid", () => `urn:uuid:00000000-0000-4000-8000-${String(n).padStart(12, "0")}`],
    ["mailto:", () => "mailto:someone@example.com"],
    ["victim's origin", () => `${new URL(world.victim).origin}/notes/h${n}`],
    ["Praxis's own origin", () => `${world.praxisOrigin}/c/makers/activities/h${n}`],
    ["the community itself", () => world.group],
    ["10 kB URL", () => `${new URL(world.victim).origin}/${"a".repeat(10_000)}/h${n}`],
    ["credentials in URL", () => `http://user:secret@127.0.0.1:9/h${n}`],
    ["port 0", () => `http://127.0.0.1:0/h${n}`],
    ["IPv6 loopback", () => `http://[::1]:9/h${n}`],
    ["space in host", () => `http://exa mple.com/h${n}`],
    ["IDN host", () => `http://例え.テスト/h${n}`],
    ["fragment only", () => `#h${n}`],
  ];
  const [label, make] = prng.pick(pool);
  return { label, value: make() };
}

export interface ContextHosts {
  /** Origin of the raw host serving (and withholding) contexts. */
  contexts: string;
  /** An address where nothing listens. */
  refused: string;
}

/** `@context` values: remote ones that fail in every way, and inline oddities. */
export function contextVariants(hosts: ContextHosts): Array<{ label: string; context: (original: unknown) => unknown }> {
  const append = (url: string) => (original: unknown) => [...(Array.isArray(original) ? original : [original]), url];
  return [
    { label: "remote: never answers", context: append(`${hosts.contexts}/hang.jsonld`) },
    { label: "remote: 404", context: append(`${hosts.contexts}/missing.jsonld`) },
    { label: "remote: connection refused", context: append(`${hosts.refused}/context.jsonld`) },
    { label: "remote: 2 MB", context: append(`${hosts.contexts}/huge.jsonld`) },
    { label: "remote: JSON array", context: append(`${hosts.contexts}/array.jsonld`) },
    { label: "remote: HTML", context: append(`${hosts.contexts}/page.html`) },
    { label: "remote: redirect loop", context: append(`${hosts.contexts}/loop.jsonld`) },
    { label: "remote: includes itself", context: append(`${hosts.contexts}/self.jsonld`) },
    { label: "remote: imports one that never answers", context: append(`${hosts.contexts}/imports-hang.jsonld`) },
    { label: "remote: valid extension", context: append(`${hosts.contexts}/extension.jsonld`) },
    { label: "only a remote one that 404s", context: () => `${hosts.contexts}/missing.jsonld` },
    { label: "relative reference", context: append("context.jsonld") },
    { label: "javascript: reference", context: append("javascript:alert(1)") },
    { label: "data: reference", context: append('data:application/ld+json,{"@context":{}}') },
    { label: "a number", context: () => 42 },
    { label: "[null]", context: () => [null] },
    { label: "missing", context: () => undefined },
    { label: "@vocab elsewhere", context: append({ "@vocab": "http://evil.example/ns#" } as never) },
    { label: "Note aliased to Tombstone", context: append({ Note: "as:Tombstone", Create: "as:Delete" } as never) },
    { label: "keyword redefinition", context: append({ type: "@id", id: "as:actor" } as never) },
    { label: "protected term clash", context: (o: unknown) => [{ "@protected": true, actor: "as:object" }, ...(Array.isArray(o) ? o : [o])] },
    { label: "@version 2", context: append({ "@version": 2 } as never) },
    { label: "@graph alias", context: append({ g: "@graph" } as never) },
    { label: "to as @list", context: append({ to: { "@id": "as:to", "@type": "@id", "@container": "@list" } } as never) },
  ];
}

/** Bytes that are not valid UTF-8, spliced into a JSON string's text. */
export const INVALID_UTF8: ReadonlyArray<[string, number[]]> = [
  ["0xFF byte", [0xff]],
  ["overlong '/'", [0xc0, 0xaf]],
  ["encoded surrogate", [0xed, 0xa0, 0x80]],
  ["above U+10FFFF", [0xf4, 0x90, 0x80, 0x80]],
  ["truncated sequence", [0xe2, 0x82]],
  ["continuation byte alone", [0x80]],
];

/** Nested JSON text `depth` levels deep (iteratively built: no recursion anywhere). */
export function deepText(kind: "array" | "object" | "mixed", depth: number): string {
  if (kind === "array") return "[".repeat(depth) + "]".repeat(depth);
  if (kind === "object") return '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
  return '[{"a":'.repeat(depth) + "1" + "}]".repeat(depth);
}
