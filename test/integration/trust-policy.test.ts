// The domain policy against spelling tricks (issue 9, finding 4): a blocked
// host (127.0.0.7) whose actor document lists a key kept on another host
// (127.0.0.8) names its actor through a JSON-LD alias or an `@id` object, so
// that the raw JSON has no `actor` the guard can read. The policy applies to
// the parsed actor all the same.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommunity } from "../../src/operations/communities.ts";
import { blockDomain } from "../../src/operations/domains.ts";
import { sleep, waitFor } from "../support/net.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";
import { AS_CONTEXT, generateRsaKey, type RawActor, type RawHost, startRawHost } from "../support/raw-host.ts";

const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
const BLOCKED = "127.0.0.7";
let praxis: TestPraxis;
let blocked: RawHost;
let keys: RawHost;
let members: RawHost;
let group: string;
let mallory: RawActor;
let signer: { keyId: string; privateKey: CryptoKey };

beforeAll(async () => {
  praxis = await startPraxis();
  blocked = await startRawHost(BLOCKED);
  keys = await startRawHost("127.0.0.8");
  members = await startRawHost("127.0.0.4");
  await createCommunity(praxis, "plaza", { name: "Plaza" });
  group = `${praxis.origin}/c/plaza`;
  mallory = await blocked.actor("mallory");
  // Mallory's own document lists a key kept on another host: a genuine binding.
  const key = await generateRsaKey();
  const keyId = `${keys.origin}/keys/mallory`;
  mallory.document.publicKey = { id: keyId, owner: mallory.id, publicKeyPem: key.publicKeyPem };
  keys.serve(keyId, { "@context": "https://w3id.org/security/v1", id: keyId, type: "CryptographicKey", owner: mallory.id, publicKeyPem: key.publicKeyPem });
  signer = { keyId, privateKey: key.privateKey };
  const bob = await members.actor("bob");
  const followId = members.newId("follows");
  expect((await members.send(`${group}/inbox`, { "@context": AS_CONTEXT, id: followId, type: "Follow", actor: bob.id, object: group }, bob)).status).toBe(202);
  await waitFor(() => members.inboxPosts((r) => r.json?.type === "Accept")[0], "Bob's Accept");
  await blockDomain(praxis, BLOCKED, "test block", "test");
});

afterAll(async () => {
  for (const h of [blocked, keys, members]) await h?.stop();
  await praxis?.stop();
});

const spellings: Array<[string, (actor: string) => Record<string, unknown>]> = [
  ["as:actor", (actor) => ({ "as:actor": actor })],
  ["the full actor IRI", (actor) => ({ "https://www.w3.org/ns/activitystreams#actor": actor })],
  ["an actor object with @id", (actor) => ({ actor: { "@id": actor } })],
];

describe("a blocked host naming its actor through an alias, signing with a key on another host", () => {
  it.each(spellings)("cannot join with %s", async (_name, spell) => {
    const follow = { "@context": AS_CONTEXT, id: blocked.newId("follows"), type: "Follow", object: group, ...spell(mallory.id) };
    for (const inbox of [`${group}/inbox`, `${praxis.origin}/inbox`]) {
      const res = await keys.send(inbox, follow, signer);
      expect(res.status).toBe(403);
      expect(await res.text()).toContain(BLOCKED);
    }
    await sleep(300);
    const community = (await praxis.services.repos.communities.findBySlug("plaza"))!;
    expect(await praxis.services.repos.memberships.get(community.id, mallory.id)).toBeNull();
    expect(blocked.inboxPosts((r) => r.json?.type === "Accept")).toEqual([]);
  });

  it.each(spellings)("cannot have a post relayed with %s", async (_name, spell) => {
    const noteId = `${mallory.id}/statuses/${crypto.randomUUID()}`;
    const note = { id: noteId, type: "Note", attributedTo: mallory.id, content: "Blocked, yet here", to: [PUBLIC, group], tag: [{ type: "Mention", href: group }] };
    blocked.serve(noteId, { "@context": AS_CONTEXT, ...note });
    const create = { "@context": AS_CONTEXT, id: `${noteId}/activity`, type: "Create", object: note, to: note.to, ...spell(mallory.id) };
    const res = await keys.send(`${praxis.origin}/inbox`, create, signer);
    expect(res.status).toBe(403);
    await sleep(300);
    expect(await praxis.services.repos.posts.findByObject(noteId)).toEqual([]);
    expect(members.inboxPosts((r) => r.json?.type === "Announce" && (r.json.object === noteId || r.json.object?.object?.id === noteId))).toEqual([]);
  });
});
