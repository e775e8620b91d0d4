// The JSON-LD context loader on its own: preloaded contexts need no request,
// private addresses are refused unless allowed, a context may name only
// preloaded ones, unavailable contexts load as empty ones, and results are
// cached (in memory and in the key–value store shared by processes).
import { MemoryKvStore } from "@fedify/fedify";
import jsonldModule from "jsonld";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ContextLoader, type ContextLoaderOptions, contextReferences } from "../../src/federation/context-loader.ts";
import { type RawHost, startRawHost } from "../support/raw-host.ts";

const EMPTY = { "@context": {} };
let host: RawHost;

beforeAll(async () => {
  host = await startRawHost("127.0.0.44");
  host.serve("/ctx.jsonld", { "@context": { pt: "https://praxis.test/ns#" } }, "application/ld+json");
  host.serve("/uses-as.jsonld", { "@context": ["https://www.w3.org/ns/activitystreams", { pt: "https://praxis.test/ns#" }] }, "application/ld+json");
  host.route("/redirect", () => ({ status: 302, headers: { location: "/ctx.jsonld" } }));
  host.route("/to-javascript", () => ({ status: 302, headers: { location: "javascript:alert(1)" } }));
});

afterAll(async () => {
  await host?.stop();
});

function loader(overrides: Partial<ContextLoaderOptions> = {}) {
  return new ContextLoader({
    kv: new MemoryKvStore(), allowPrivateAddress: true, timeoutMs: 2000, maxBytes: 65_536, cacheSeconds: 60, failureCacheSeconds: 60, ...overrides,
  });
}

/** jsonld.js's expand (its types here do not declare it). */
const jsonld = jsonldModule as unknown as { expand(doc: unknown, options: { documentLoader: unknown }): Promise<unknown> };

const requestsTo = (path: string) => host.requests.filter((r) => r.path === path).length;

it("serves Fedify's preloaded contexts without any request", async () => {
  const contexts = loader({ allowPrivateAddress: false, fetch: () => Promise.reject(new Error("a preloaded context must not be fetched")) });
  for (const url of ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1", "https://join-lemmy.org/context.json"]) {
    expect((await contexts.load(url)).document).toMatchObject({ "@context": expect.anything() });
    expect(await contexts.availability(url)).toEqual({ available: true });
  }
});

it("loads unusable references as empty contexts, and reports them unavailable", async () => {
  const contexts = loader();
  for (const reference of ["relative/context.jsonld", "javascript:alert(1)", "data:application/json,{}", "ftp://127.0.0.44/ctx"]) {
    expect((await contexts.load(reference)).document).toEqual(EMPTY);
    expect(await contexts.availability(reference)).toEqual({ available: false, reason: "not an absolute http(s) URL" });
  }
});

it("refuses contexts on private addresses unless they are allowed, without a request", async () => {
  const before = requestsTo("/ctx.jsonld");
  expect(await loader({ allowPrivateAddress: false }).availability(`${host.origin}/ctx.jsonld`)).toEqual({ available: false, reason: "not a public address" });
  expect(requestsTo("/ctx.jsonld")).toBe(before);
  expect((await loader().load(`${host.origin}/ctx.jsonld`)).document).toEqual({ "@context": { pt: "https://praxis.test/ns#" } });
});

it("follows redirects to http(s) only", async () => {
  const contexts = loader();
  expect((await contexts.load(`${host.origin}/redirect`)).document).toMatchObject({ "@context": { pt: "https://praxis.test/ns#" } });
  expect(await contexts.availability(`${host.origin}/to-javascript`)).toEqual({ available: false, reason: "redirected to a non-HTTP URL" });
});

it("accepts a context naming preloaded contexts, and refuses one naming another remote context (no chains, no cycles)", async () => {
  host.serve("/self.jsonld", { "@context": [`${host.origin}/self.jsonld`] }, "application/ld+json");
  host.serve("/chain.jsonld", { "@context": { scoped: { "@id": "https://a.test/#s", "@context": `${host.origin}/ctx.jsonld` } } }, "application/ld+json");
  const contexts = loader();
  expect(await contexts.availability(`${host.origin}/uses-as.jsonld`)).toEqual({ available: true });
  for (const path of ["/self.jsonld", "/chain.jsonld"]) {
    const verdict = await contexts.availability(`${host.origin}${path}`);
    expect(verdict.available).toBe(false);
    expect(verdict).toMatchObject({ reason: expect.stringMatching(/names another remote context/) });
    expect((await contexts.load(`${host.origin}${path}`)).document).toEqual(EMPTY);
  }
});

it("tags preloaded contexts static, so jsonld.js keeps them processed across operations; fetched ones stay untagged", async () => {
  const contexts = loader();
  const tagOf = (d: unknown) => (d as { tag?: string }).tag;
  expect(tagOf(await contexts.load("https://www.w3.org/ns/activitystreams"))).toBe("static");
  expect(tagOf(await contexts.load(`${host.origin}/ctx.jsonld`))).toBeUndefined();
  // Many documents, one load of each preloaded context (none if an earlier test in this process loaded it).
  const calls = new Map<string, number>();
  const counting = async (url: string) => {
    calls.set(url, (calls.get(url) ?? 0) + 1);
    return contexts.load(url);
  };
  const doc = (i: number) => ({
    "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
    id: `https://remote.example/notes/${i}`, type: "Note", content: `n${i}`, to: "as:Public",
  });
  const expanded = [];
  for (let i = 0; i < 20; i++) expanded.push(await jsonld.expand(doc(i), { documentLoader: counting as never }));
  expect(calls.get("https://www.w3.org/ns/activitystreams") ?? 0).toBeLessThanOrEqual(1);
  // The same result as without the cache (an untagged copy of the same documents).
  const untagged = async (url: string) => ({ ...(await contexts.load(url)), tag: undefined });
  expect(await jsonld.expand(doc(19), { documentLoader: untagged as never })).toEqual(expanded[19]);
});

it("caches in the shared store: another process's loader does not fetch again, a failure included", async () => {
  const kv = new MemoryKvStore();
  host.serve("/shared.jsonld", { "@context": { a: "https://a.test/#" } }, "application/ld+json");
  await loader({ kv }).load(`${host.origin}/shared.jsonld`);
  await loader({ kv }).load(`${host.origin}/gone.jsonld`);
  const other = loader({ kv, fetch: () => Promise.reject(new Error("should come from the store")) });
  expect((await other.load(`${host.origin}/shared.jsonld`)).document).toEqual({ "@context": { a: "https://a.test/#" } });
  expect(await other.availability(`${host.origin}/gone.jsonld`)).toEqual({ available: false, reason: "HTTP 404" });
  expect(requestsTo("/shared.jsonld")).toBe(1);
  expect(requestsTo("/gone.jsonld")).toBe(1);
});

it("shares one fetch between concurrent loads", async () => {
  host.serve("/concurrent.jsonld", { "@context": {} }, "application/ld+json");
  const contexts = loader();
  await Promise.all(Array.from({ length: 10 }, () => contexts.load(`${host.origin}/concurrent.jsonld`)));
  expect(requestsTo("/concurrent.jsonld")).toBe(1);
});

it("finds context references at any depth, @import and scoped contexts included, and not term IRIs", () => {
  const json = {
    "@context": ["https://www.w3.org/ns/activitystreams", { term: "https://not-a-context.test/#", s: { "@id": "x:s", "@context": "https://scoped.test/c" }, "@import": "https://imported.test/c" }],
    object: { "@context": "https://nested.test/c", content: "https://not-a-context.test/either" },
  };
  expect(contextReferences(json).sort()).toEqual(["https://imported.test/c", "https://nested.test/c", "https://scoped.test/c", "https://www.w3.org/ns/activitystreams"]);
});
