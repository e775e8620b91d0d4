// Remote JSON-LD contexts are hostile input: an activity naming a context
// that 404s, never answers, is too large or is not a context is refused with
// 400 (never 500, never left unanswered), a context that failed is not
// fetched again for every activity, and a good remote context is fetched
// once and used.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommunity } from "../../src/operations/communities.ts";
import { waitFor } from "../support/net.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";
import { AS_CONTEXT, type RawActor, type RawHost, startRawHost } from "../support/raw-host.ts";

const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
/** Longer than the context time limit configured below, shorter than any client's patience. */
const ANSWER_BOUND_MS = 10_000;
let praxis: TestPraxis;
let member: RawHost;
let contexts: RawHost;
let actor: RawActor;
let group: string;

beforeAll(async () => {
  praxis = await startPraxis({ limits: { inboxRequestsPerWindow: 0 }, jsonLdContexts: { timeoutMs: 1500 } });
  member = await startRawHost("127.0.0.41");
  contexts = await startRawHost("127.0.0.42");
  await createCommunity(praxis, "makers", { name: "Makers" });
  group = `${praxis.origin}/c/makers`;
  actor = await member.actor("alice");
  const followId = member.newId("follows");
  expect((await member.send(`${group}/inbox`, { "@context": AS_CONTEXT, id: followId, type: "Follow", actor: actor.id, object: group }, actor)).status).toBe(202);
  await waitFor(() => member.inboxPosts((r) => r.json?.type === "Accept")[0], "the Accept of the Follow");

  contexts.route("/hang.jsonld", () => "hang");
  contexts.serve("/praxis-test.jsonld", { "@context": { pt: "https://praxis.test/ns#", mood: "pt:mood" } }, "application/ld+json");
  contexts.serve("/huge.jsonld", { "@context": { pad: "x".repeat(300_000) } }, "application/ld+json");
  contexts.serve("/array.jsonld", [1, 2, 3], "application/ld+json");
  contexts.serve("/html", "<html><body>not a context</body></html>", "text/html");
  contexts.serve("/self.jsonld", { "@context": [`${contexts.origin}/self.jsonld`, { a: "https://a.test/#" }] }, "application/ld+json");
});

afterAll(async () => {
  await contexts?.stop();
  await member?.stop();
  await praxis?.stop();
});

/** A public Create(Note) by alice into makers, naming `context` after ActivityStreams. */
function createNaming(context: string) {
  const noteId = `${actor.id}/statuses/${crypto.randomUUID()}`;
  const note = { id: noteId, type: "Note", attributedTo: actor.id, content: "<p>Context test</p>", to: [PUBLIC, group], cc: [actor.document.followers], published: new Date().toISOString(), tag: [{ type: "Mention", href: group, name: "@makers" }] };
  member.serve(noteId, { "@context": AS_CONTEXT, ...note });
  return { noteId, activity: { "@context": [...AS_CONTEXT, context], id: `${noteId}/activity`, type: "Create", actor: actor.id, object: note, to: note.to, cc: note.cc } };
}

async function deliver(activity: unknown): Promise<{ status: number; text: string }> {
  const res = await member.send(`${praxis.origin}/inbox`, activity, actor, { headers: {} });
  return { status: res.status, text: await res.text() };
}

const fetchesOf = (path: string) => contexts.requests.filter((r) => r.path === path).length;

describe("an activity naming a context that cannot be loaded is refused with 400", () => {
  it.each([
    ["answers 404", "/missing.jsonld"],
    ["is larger than the size cap", "/huge.jsonld"],
    ["is a JSON array", "/array.jsonld"],
    ["is an HTML page", "/html"],
    ["includes itself", "/self.jsonld"],
  ])("a context that %s", async (_, path) => {
    const { status, text } = await deliver(createNaming(`${contexts.origin}${path}`).activity);
    expect(status, text).toBe(400);
  });

  it("a context on a port where nothing listens", async () => {
    expect((await deliver(createNaming("http://127.0.0.42:9/context.jsonld").activity)).status).toBe(400);
  });

  it("a context on a host that never answers: answered within the bound, then refused at once without fetching it again", async () => {
    const first = await Promise.race([
      deliver(createNaming(`${contexts.origin}/hang.jsonld`).activity),
      new Promise<null>((resolve) => setTimeout(() => resolve(null), ANSWER_BOUND_MS)),
    ]);
    expect(first, "no answer within the bound").not.toBeNull();
    expect(first!.status).toBe(400);
    expect((await deliver(createNaming(`${contexts.origin}/hang.jsonld`).activity)).status).toBe(400);
    expect(fetchesOf("/hang.jsonld")).toBe(1);
  });

  it("nothing of them was relayed", async () => {
    expect(member.inboxPosts((r) => r.json?.type === "Announce")).toEqual([]);
  });
});

it("a good remote context is fetched once, cached, and the activity is relayed", async () => {
  const path = "/praxis-test.jsonld";
  const first = createNaming(`${contexts.origin}${path}`);
  const second = createNaming(`${contexts.origin}${path}`);
  expect((await deliver(first.activity)).status).toBe(202);
  expect((await deliver(second.activity)).status).toBe(202);
  for (const { noteId } of [first, second]) {
    await waitFor(() => member.inboxPosts((r) => r.json?.type === "Announce" && r.json?.object === noteId)[0], `the boost of ${noteId}`);
  }
  expect(fetchesOf(path)).toBe(1);
});

describe("documents Praxis fetches that name an unavailable context are read without it", () => {
  it("an actor whose document names a context that never answers: its signature is verified, not a 500 or a hang", async () => {
    const odd = await member.actor("odd");
    odd.document["@context"] = [...AS_CONTEXT, `${contexts.origin}/hang.jsonld`];
    const followId = member.newId("follows");
    const res = await member.send(`${group}/inbox`, { "@context": AS_CONTEXT, id: followId, type: "Follow", actor: odd.id, object: group }, odd);
    expect(res.status).toBe(202);
    await waitFor(() => member.inboxPosts((r) => r.json?.type === "Accept" && r.json?.object?.id === followId)[0], "the Accept of the Follow");
  });

  it("a post fetched by reference whose document names a context that 404s is relayed", async () => {
    const { noteId, activity } = createNaming("https://www.w3.org/ns/activitystreams");
    const note = { ...(activity.object as object), "@context": [...AS_CONTEXT, `${contexts.origin}/gone.jsonld`] };
    member.serve(noteId, note);
    expect((await deliver({ ...activity, "@context": AS_CONTEXT, object: noteId })).status).toBe(202);
    await waitFor(() => member.inboxPosts((r) => r.json?.type === "Announce" && r.json?.object === noteId)[0], "the boost of the fetched post");
  });
});


describe("an activity whose own context JSON-LD processing refuses is answered 400, not 500", () => {
  it.each([
    ["an unsupported @version", { "@version": 2 }],
    ["a term mapped to a number", { mood: { "@id": 5 } }],
    ["an @import that is no string", { "@import": 5 }],
  ])("%s", async (_, inline) => {
    const { activity } = createNaming("https://www.w3.org/ns/activitystreams");
    const { status, text } = await deliver({ ...activity, "@context": [...AS_CONTEXT, inline] });
    expect(status, text).toBe(400);
    expect(text).toMatch(/^Invalid JSON-LD context/);
  });

  it("a nested object's context is read within the document's own (its prefixes defined there)", async () => {
    const { activity } = createNaming("https://www.w3.org/ns/activitystreams");
    const object = { ...(activity.object as object), "@context": { mood: { "@id": "mood2" } } }; // relative: only ActivityStreams' @vocab makes it an IRI
    const { status, text } = await deliver({ ...activity, "@context": AS_CONTEXT, object });
    expect(status, text).toBe(202);
  });
});
