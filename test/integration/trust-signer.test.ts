// Key ownership over real signed HTTP (issue 9, finding 1): an activity
// counts only when the key that verified it is bound to its actor — on the
// actor's origin, or listed in the actor's own document. Alice lives on
// 127.0.0.2; Mallory on 127.0.0.3 serves key documents that merely claim
// Alice as their owner; Bob on 127.0.0.4 is a member who receives what the
// community relays.
import { signJsonLd, signObject, signRequest } from "@fedify/fedify";
import { Create, Multikey, Note, PUBLIC_COLLECTION } from "@fedify/vocab";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommunity } from "../../src/operations/communities.ts";
import { sleep, waitFor } from "../support/net.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";
import { AS_CONTEXT, generateRsaKey, type RawActor, type RawHost, startRawHost } from "../support/raw-host.ts";

const PUBLIC = PUBLIC_COLLECTION.href;
let praxis: TestPraxis;
let hostA: RawHost;
let hostB: RawHost;
let hostC: RawHost;
let group: string;
let alice: RawActor;
let bob: RawActor;
let mallory: RawActor;
let aliceFollowId: string;
/** A key on Mallory's host whose document claims Alice as its owner. */
let forged: { keyId: string; privateKey: CryptoKey };

async function join(host: RawHost, actor: RawActor): Promise<string> {
  const followId = host.newId("follows");
  const res = await host.send(`${group}/inbox`, { "@context": AS_CONTEXT, id: followId, type: "Follow", actor: actor.id, object: group }, actor);
  expect(res.status).toBe(202);
  await waitFor(() => host.inboxPosts((r) => r.json?.type === "Accept" && r.json?.object?.id === followId)[0], `Accept of ${actor.id}`);
  return followId;
}

function noteBy(actor: RawActor, content: string) {
  const id = `${actor.id}/statuses/${crypto.randomUUID()}`;
  return {
    id, type: "Note", attributedTo: actor.id, content, to: [PUBLIC, group], cc: [actor.document.followers],
    published: new Date().toISOString(), tag: [{ type: "Mention", href: group, name: "@garden" }],
  };
}

function createOf(actor: RawActor, note: ReturnType<typeof noteBy>) {
  return { "@context": AS_CONTEXT, id: `${note.id}/activity`, type: "Create", actor: actor.id, object: note, to: note.to, cc: note.cc };
}

const announcedTo = (host: RawHost, noteId: string) =>
  host.inboxPosts((r) => r.json?.type === "Announce" && (r.json.object === noteId || r.json.object?.object?.id === noteId));

async function stored(noteId: string) {
  return praxis.services.repos.posts.findByObject(noteId);
}

/** Posts a genuine note by Alice and waits until Bob got it: anything sent before has been handled. */
async function settle(): Promise<void> {
  const note = noteBy(alice, "A genuine note");
  hostA.serve(note.id, { "@context": AS_CONTEXT, ...note });
  expect((await hostA.send(`${praxis.origin}/inbox`, createOf(alice, note), alice)).status).toBe(202);
  await waitFor(() => announcedTo(hostC, note.id)[0], "the genuine note to reach Bob");
  await sleep(300);
}

beforeAll(async () => {
  praxis = await startPraxis();
  hostA = await startRawHost("127.0.0.2");
  hostB = await startRawHost("127.0.0.3");
  hostC = await startRawHost("127.0.0.4");
  await createCommunity(praxis, "garden", { name: "Garden" });
  group = `${praxis.origin}/c/garden`;
  alice = await hostA.actor("alice");
  bob = await hostC.actor("bob");
  mallory = await hostB.actor("mallory");
  aliceFollowId = await join(hostA, alice);
  await join(hostC, bob);
  const key = await generateRsaKey();
  const keyId = `${hostB.origin}/keys/alice`;
  hostB.serve(keyId, { "@context": "https://w3id.org/security/v1", id: keyId, type: "CryptographicKey", owner: alice.id, publicKeyPem: key.publicKeyPem });
  forged = { keyId, privateKey: key.privateKey };
});

afterAll(async () => {
  for (const h of [hostA, hostB, hostC]) await h?.stop();
  await praxis?.stop();
});

describe("an HTTP signature by a key on another origin that claims the actor", () => {
  it.each(["shared", "community"] as const)("is refused at the %s inbox, and nothing is stored or relayed", async (which) => {
    const note = noteBy(alice, `Forged into the ${which} inbox`);
    const inbox = which === "shared" ? `${praxis.origin}/inbox` : `${group}/inbox`;
    const res = await hostB.send(inbox, createOf(alice, note), forged);
    expect(res.status).toBe(401);
    expect(await res.text()).toMatch(/does not belong to the actor/);
    await settle();
    expect(await stored(note.id)).toEqual([]);
    expect(announcedTo(hostC, note.id)).toEqual([]);
  });

  it("is refused when Alice's own keyId is named first and the forged one last (Fedify reads the last)", async () => {
    const note = noteBy(alice, "Forged behind a decoy keyId");
    const signed = await signRequest(new Request(`${praxis.origin}/inbox`, {
      method: "POST", headers: { "content-type": "application/activity+json" }, body: JSON.stringify(createOf(alice, note)),
    }), forged.privateKey, new URL(forged.keyId));
    const headers = new Headers(signed.headers);
    headers.set("signature", `keyId="${alice.keyId}",${signed.headers.get("signature")}`);
    const res = await fetch(new Request(signed.url, { method: "POST", headers, body: await signed.text() }));
    expect(res.status).toBe(401);
    await settle();
    expect(await stored(note.id)).toEqual([]);
    expect(announcedTo(hostC, note.id)).toEqual([]);
  });

  it("cannot make Alice leave with a forged Undo(Follow)", async () => {
    const undo = {
      "@context": AS_CONTEXT, id: hostB.newId("undos"), type: "Undo", actor: alice.id,
      object: { id: aliceFollowId, type: "Follow", actor: alice.id, object: group },
    };
    for (const inbox of [`${group}/inbox`, `${praxis.origin}/inbox`]) {
      expect((await hostB.send(inbox, undo, forged)).status).toBe(401);
    }
    await settle();
    const community = (await praxis.services.repos.communities.findBySlug("garden"))!;
    expect(await praxis.services.repos.memberships.status(community.id, alice.id)).toBe("accepted");
  });
});

describe("a body signature by a key on another origin that claims the actor", () => {
  it("is refused for a Linked Data signature, whatever the HTTP signature", async () => {
    const note = noteBy(alice, "Forged with a Linked Data signature");
    const signed = await signJsonLd(createOf(alice, note), forged.privateKey, new URL(forged.keyId), {});
    // Mallory signs the request as herself, as a forwarding server would.
    const res = await hostB.send(`${praxis.origin}/inbox`, signed, mallory);
    expect(res.status).toBe(401);
    await settle();
    expect(await stored(note.id)).toEqual([]);
    expect(announcedTo(hostC, note.id)).toEqual([]);
  });

  it("is refused for an Object Integrity Proof", async () => {
    const pair = await crypto.subtle.generateKey("Ed25519", true, ["sign", "verify"]) as CryptoKeyPair;
    const keyId = `${hostB.origin}/keys/alice-ed25519`;
    const multikey = new Multikey({ id: new URL(keyId), controller: new URL(alice.id), publicKey: pair.publicKey });
    hostB.serve(keyId, await multikey.toJsonLd());
    const note = noteBy(alice, "Forged with an integrity proof");
    const create = new Create({
      id: new URL(`${note.id}/activity`), actor: new URL(alice.id), tos: [PUBLIC_COLLECTION, new URL(group)],
      object: new Note({ id: new URL(note.id), attribution: new URL(alice.id), content: note.content, tos: [PUBLIC_COLLECTION, new URL(group)] }),
    });
    const proved = await signObject(create, pair.privateKey, new URL(keyId));
    const res = await hostB.send(`${praxis.origin}/inbox`, await proved.toJsonLd({ format: "compact" }), mallory);
    expect(res.status).toBe(401);
    await settle();
    expect(await stored(note.id)).toEqual([]);
    expect(announcedTo(hostC, note.id)).toEqual([]);
  });
});

describe("keys that are bound to the actor", () => {
  it("accepts an activity forwarded by another server with the author's own Linked Data signature", async () => {
    const note = noteBy(alice, "Forwarded by Mallory's server, signed by Alice");
    hostA.serve(note.id, { "@context": AS_CONTEXT, ...note });
    const signed = await signJsonLd(createOf(alice, note), alice.privateKey, new URL(alice.keyId), {});
    expect((await hostB.send(`${praxis.origin}/inbox`, signed, mallory)).status).toBe(202);
    await waitFor(() => announcedTo(hostC, note.id)[0], "the forwarded note to reach Bob");
  });

  it("accepts a key on another origin when the actor's own document lists it", async () => {
    const key = await generateRsaKey();
    const keyId = `${hostC.origin}/keys/carol`;
    const carol = await hostA.actor("carol");
    carol.document.publicKey = { id: keyId, owner: carol.id, publicKeyPem: key.publicKeyPem };
    hostC.serve(keyId, { "@context": "https://w3id.org/security/v1", id: keyId, type: "CryptographicKey", owner: carol.id, publicKeyPem: key.publicKeyPem });
    await join(hostA, { ...carol, keyId, privateKey: key.privateKey });
  });

  it("refuses an activity naming two actors, one of them not the signer", async () => {
    const note = noteBy(mallory, "Signed by Mallory, claiming Alice as co-actor");
    const res = await hostB.send(`${praxis.origin}/inbox`, { ...createOf(mallory, note), actor: [mallory.id, alice.id] }, mallory);
    expect(res.status).toBe(401);
    expect(await res.text()).toMatch(/exactly one actor/);
  });
});
