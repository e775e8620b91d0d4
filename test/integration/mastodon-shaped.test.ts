// A peer shaped like Mastodon: hand-written actor documents, activities as
// raw JSON signed only with an HTTP signature (no Linked Data signature, no
// proof), in both signature formats.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommunity } from "../../src/operations/communities.ts";
import { waitFor } from "../support/net.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";
import { AS_CONTEXT, type RawActor, type RawHost, startRawHost } from "../support/raw-host.ts";

const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
let praxis: TestPraxis;
let host: RawHost;
let group: string;

beforeAll(async () => {
  praxis = await startPraxis({ host: "127.0.0.1" });
  host = await startRawHost("127.0.0.5");
  await createCommunity(praxis, "makers", { name: "Makers" });
  group = `${praxis.origin}/c/makers`;
});

afterAll(async () => {
  await host?.stop();
  await praxis?.stop();
});

async function join(actor: RawActor, spec: "draft-cavage-http-signatures-12" | "rfc9421"): Promise<void> {
  const followId = host.newId("follows");
  const res = await host.send(`${group}/inbox`, { "@context": AS_CONTEXT, id: followId, type: "Follow", actor: actor.id, object: group }, actor, { spec });
  expect(res.status).toBe(202);
  await waitFor(() => host.inboxPosts((r) => r.json?.type === "Accept" && r.json?.object?.id === followId)[0], `Accept of ${followId}`);
}

describe.each(["draft-cavage-http-signatures-12", "rfc9421"] as const)("signed with %s only", (spec) => {
  it("joins, posts, and the post is announced to the members", async () => {
    const actor = await host.actor(`m${spec.length}`);
    await join(actor, spec);
    const noteId = `${actor.id}/statuses/${crypto.randomUUID()}`;
    const note = { id: noteId, type: "Note", attributedTo: actor.id, content: "<p>Hello makers</p>", to: [PUBLIC, group], cc: [actor.document.followers], published: new Date().toISOString(), tag: [{ type: "Mention", href: group, name: "@makers" }] };
    host.serve(noteId, { "@context": AS_CONTEXT, ...note });
    const res = await host.send(`${praxis.origin}/inbox`, { "@context": AS_CONTEXT, id: `${noteId}/activity`, type: "Create", actor: actor.id, object: note, to: note.to, cc: note.cc }, actor, { spec });
    expect(res.status).toBe(202);
    await waitFor(() => host.inboxPosts((r) => r.json?.type === "Announce" && r.json?.object === noteId)[0], "boost of the note");
  });
});
