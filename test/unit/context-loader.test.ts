// The JSON-LD context loader on its own: preloaded contexts need no request,
// private addresses are refused unless allowed, failures and successes are
// cached (in memory and in the key–value store shared by processes).
import { MemoryKvStore } from "@fedify/fedify";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type ContextLoaderOptions, createContextLoaderFactory } from "../../src/federation/context-loader.ts";
import { type RawHost, startRawHost } from "../support/raw-host.ts";

let host: RawHost;

beforeAll(async () => {
  host = await startRawHost("127.0.0.44");
  host.serve("/ctx.jsonld", { "@context": { pt: "https://praxis.test/ns#" } }, "application/ld+json");
  host.route("/redirect", () => ({ status: 302, headers: { location: "/ctx.jsonld" } }));
  host.route("/to-javascript", () => ({ status: 302, headers: { location: "javascript:alert(1)" } }));
});

afterAll(async () => {
  await host?.stop();
});

function loader(overrides: Partial<ContextLoaderOptions> = {}) {
  return createContextLoaderFactory({
    kv: new MemoryKvStore(), allowPrivateAddress: true, timeoutMs: 2000, maxBytes: 65_536, cacheSeconds: 60, failureCacheSeconds: 60, ...overrides,
  })();
}

const requestsTo = (path: string) => host.requests.filter((r) => r.path === path).length;

it("serves Fedify's preloaded contexts without any request", async () => {
  const load = loader({
    allowPrivateAddress: false,
    fetch: () => Promise.reject(new Error("a preloaded context must not be fetched")),
  });
  for (const url of ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1", "https://join-lemmy.org/context.json"]) {
    const doc = await load(url);
    expect(doc.document).toMatchObject({ "@context": expect.anything() });
  }
});

it("answers unusable references with an empty document, which JSON-LD refuses as an invalid context", async () => {
  const load = loader();
  for (const reference of ["relative/context.jsonld", "javascript:alert(1)", "data:application/json,{}", "ftp://127.0.0.44/ctx"]) {
    expect((await load(reference)).document).toBeNull();
  }
});

it("refuses contexts on private addresses unless they are allowed, without a request", async () => {
  const before = requestsTo("/ctx.jsonld");
  expect((await loader({ allowPrivateAddress: false })(`${host.origin}/ctx.jsonld`)).document).toBeNull();
  expect(requestsTo("/ctx.jsonld")).toBe(before);
  expect((await loader()(`${host.origin}/ctx.jsonld`)).document).toEqual({ "@context": { pt: "https://praxis.test/ns#" } });
});

it("follows redirects to http(s) only", async () => {
  const load = loader();
  expect((await load(`${host.origin}/redirect`)).document).toMatchObject({ "@context": { pt: "https://praxis.test/ns#" } });
  expect((await load(`${host.origin}/to-javascript`)).document).toBeNull();
});

it("caches in the shared store: another process's loader does not fetch again, a failure included", async () => {
  const kv = new MemoryKvStore();
  host.serve("/shared.jsonld", { "@context": { a: "https://a.test/#" } }, "application/ld+json");
  await loader({ kv })(`${host.origin}/shared.jsonld`);
  await loader({ kv })(`${host.origin}/gone.jsonld`);
  const other = loader({ kv, fetch: () => Promise.reject(new Error("should come from the store")) });
  expect((await other(`${host.origin}/shared.jsonld`)).document).toEqual({ "@context": { a: "https://a.test/#" } });
  expect((await other(`${host.origin}/gone.jsonld`)).document).toBeNull();
  expect(requestsTo("/shared.jsonld")).toBe(1);
  expect(requestsTo("/gone.jsonld")).toBe(1);
});

it("shares one fetch between concurrent loads", async () => {
  host.serve("/concurrent.jsonld", { "@context": {} }, "application/ld+json");
  const load = loader();
  await Promise.all(Array.from({ length: 10 }, () => load(`${host.origin}/concurrent.jsonld`)));
  expect(requestsTo("/concurrent.jsonld")).toBe(1);
});
