// The document loader Fedify builds for each context it creates is built
// once per distinct options (src/federation/document-loader.ts) and still
// behaves as Fedify's own: it fetches, and keeps what it fetched in the KV
// store for the next context.
import { createFederation, MemoryKvStore } from "@fedify/fedify";
import { afterAll, beforeAll, expect, it } from "vitest";
import { shareDocumentLoaders } from "../../src/federation/document-loader.ts";
import { type RawHost, startRawHost } from "../support/raw-host.ts";

let host: RawHost;

beforeAll(async () => {
  host = await startRawHost("127.0.0.45");
  host.serve("/note", { "@context": "https://www.w3.org/ns/activitystreams", id: `${host.origin}/note`, type: "Note", content: "hi" }, "application/activity+json");
});

afterAll(async () => {
  await host?.stop();
});

function federation() {
  const f = createFederation<void>({ kv: new MemoryKvStore(), allowPrivateAddress: true });
  shareDocumentLoaders(f);
  return f;
}

it("gives every context of one origin the same loader, built once", () => {
  const f = federation();
  const a = f.createContext(new URL("https://praxis.test/"), undefined);
  const b = f.createContext(new URL("https://praxis.test/inbox"), undefined);
  expect(a.documentLoader).toBe(b.documentLoader);
  // The User-Agent names the origin, so another origin has a loader of its own.
  expect(f.createContext(new URL("https://other.test/"), undefined).documentLoader).not.toBe(a.documentLoader);
});

it("still fetches, and caches what it fetched for the next context", async () => {
  const f = federation();
  const first = await f.createContext(new URL("https://praxis.test/"), undefined).documentLoader(`${host.origin}/note`);
  expect(first.document).toMatchObject({ type: "Note", content: "hi" });
  const second = await f.createContext(new URL("https://praxis.test/"), undefined).documentLoader(`${host.origin}/note`);
  expect(second.document).toEqual(first.document);
  expect(host.requests.filter((r) => r.path === "/note")).toHaveLength(1);
});
