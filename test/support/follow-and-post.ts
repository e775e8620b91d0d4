// A raw host's actor follows a community, is accepted, and posts to it;
// resolves with the note's id once the community's boost of it arrived.
// How the deployment tests show that a community's queue is processed.
import { expect } from "vitest";
import { waitFor } from "./net.ts";
import { AS_CONTEXT, type RawActor, type RawHost } from "./raw-host.ts";

const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";

export async function followAndPost(host: RawHost, actor: RawActor, group: string, content: string): Promise<string> {
  const follow = await host.send(`${group}/inbox`, { "@context": AS_CONTEXT, id: host.newId("follows"), type: "Follow", actor: actor.id, object: group }, actor);
  expect(follow.status).toBe(202);
  await waitFor(() => host.inboxPosts((r) => r.json?.type === "Accept")[0], "the Accept", 20_000);
  const note = `${actor.id}/statuses/${crypto.randomUUID()}`;
  const create = await host.send(`${group}/inbox`, {
    "@context": AS_CONTEXT, id: `${note}/activity`, type: "Create", actor: actor.id, to: [PUBLIC], cc: [group],
    object: { id: note, type: "Note", attributedTo: actor.id, to: [PUBLIC], cc: [group], content },
  }, actor);
  expect(create.status).toBe(202);
  await waitFor(() => host.inboxPosts((r) => r.json?.type === "Announce" && r.json?.object === note)[0], "the boost", 20_000);
  return note;
}
