// Praxis the way the README deploys it: plain http on one address, behind a
// TLS-terminating reverse proxy on another, PRAXIS_ORIGIN = the proxy's https
// URL (a throwaway CA the peers trust). Peers sign the way the fediverse does:
// draft-cavage (Mastodon), RFC 9421 (Fedify's first knock), and a Linked Data
// signature carried through another actor's HTTP signature (a forward).
import { signJsonLd } from "@fedify/fedify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommunity } from "../../src/operations/communities.ts";
import { freePort, waitFor } from "../support/net.ts";
import { startPeer, type Peer } from "../support/peer.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";
import { AS_CONTEXT, type RawActor, type RawHost, startRawHost } from "../support/raw-host.ts";
import { createTestCa, startTlsProxy, type TestCa, type TlsProxy, trustCa } from "../support/tls-proxy.ts";

const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
const AP = { Accept: "application/activity+json" };

let ca: TestCa;
let untrust: () => void;
let praxis: TestPraxis;
let proxy: TlsProxy;
let origin: string;
let group: string;
let cavage: Peer;
let rfc9421: Peer;
let raw: RawHost;
let mastodonUser: RawActor;

beforeAll(async () => {
  ca = createTestCa();
  untrust = trustCa(ca);
  const proxyPort = await freePort("127.0.0.2");
  const praxisPort = await freePort("127.0.0.3");
  origin = `https://127.0.0.2:${proxyPort}`;
  praxis = await startPraxis({ host: "127.0.0.3", port: praxisPort, origin, trustProxy: true });
  proxy = await startTlsProxy({ ca, hostname: "127.0.0.2", port: proxyPort, upstream: `http://127.0.0.3:${praxisPort}` });
  await createCommunity(praxis, "commons", { name: "Commons", summary: "Behind the proxy." });
  group = `${origin}/c/commons`;
  cavage = await startPeer({ hostname: "127.0.0.4", firstKnock: "draft-cavage-http-signatures-12", users: ["alice", "amir"] });
  rfc9421 = await startPeer({ hostname: "127.0.0.5", firstKnock: "rfc9421", users: ["bob"] });
  raw = await startRawHost("127.0.0.6");
  mastodonUser = await raw.actor("carol");
});

afterAll(async () => {
  await cavage?.stop();
  await rfc9421?.stop();
  await raw?.stop();
  await proxy?.stop();
  await praxis?.stop();
  untrust?.();
  ca?.dispose();
});

const onPublicOrigin = (uri: unknown) => typeof uri === "string" && uri.startsWith(`${origin}/`);

describe("behind a TLS-terminating proxy", () => {
  it("serves documents whose every URL is on the public https origin", async () => {
    const res = await fetch(group, { headers: AP });
    expect(res.status).toBe(200);
    const doc = await res.json();
    for (const uri of [doc.id, doc.inbox, doc.outbox, doc.followers, doc.following, doc.featured, doc.attributedTo,
      doc.endpoints.sharedInbox, doc.publicKey.id, doc.url]) {
      expect(uri, JSON.stringify(doc)).toSatisfy(onPublicOrigin);
    }
    const outbox = await (await fetch(doc.outbox, { headers: AP })).json();
    expect(outbox.id).toBe(doc.outbox);
    expect(outbox.first).toSatisfy(onPublicOrigin);
    const followers = await (await fetch(doc.followers, { headers: AP })).json();
    expect(followers.first).toSatisfy(onPublicOrigin);
    const moderators = await (await fetch(doc.attributedTo, { headers: AP })).json();
    expect(moderators.id).toBe(doc.attributedTo);
    for (const m of moderators.orderedItems ?? []) expect(typeof m === "string" ? m : m.id).toSatisfy(onPublicOrigin);
    const instance = await (await fetch(`${origin}/actor`, { headers: AP })).json();
    expect(instance.id).toSatisfy(onPublicOrigin);
    expect(instance.url).toSatisfy(onPublicOrigin);
    const wf = await (await fetch(`${origin}/.well-known/webfinger?resource=acct:commons@127.0.0.2:${proxy.port}`)).json();
    expect(wf.links.find((l: any) => l.rel === "self").href).toBe(group);
  });

  it("mints the public origin even when reached directly on its listen address", async () => {
    const direct = `http://127.0.0.3:${praxis.config.port}/c/commons`;
    const doc = await (await fetch(direct, { headers: AP })).json();
    expect(doc.id).toBe(group);
    expect(doc.inbox).toBe(`${group}/inbox`);
  });

  it("accepts Follows signed with draft-cavage, RFC 9421 and by a Mastodon-shaped server, on the public origin", async () => {
    const cavageFollow = await cavage.follow("alice", group);
    const rfcFollow = await rfc9421.follow("bob", group);
    const mastodonFollow = raw.newId("follows");
    const res = await raw.send(`${group}/inbox`, { "@context": AS_CONTEXT, id: mastodonFollow, type: "Follow", actor: mastodonUser.id, object: group }, mastodonUser);
    expect(res.status).toBe(202);

    const accepted = (peer: Peer, followId: string) =>
      peer.receivedOf("Accept", (r) => (typeof r.json.object === "string" ? r.json.object : r.json.object?.id) === followId)[0];
    const a = await waitFor(() => accepted(cavage, cavageFollow), "Accept of the cavage-signed Follow");
    const b = await waitFor(() => accepted(rfc9421, rfcFollow), "Accept of the RFC 9421-signed Follow");
    const c = await waitFor(() => raw.inboxPosts((r) => r.json?.type === "Accept" && r.json?.object?.id === mastodonFollow)[0], "Accept of the Mastodon Follow");
    for (const accept of [a.json, b.json, c.json]) {
      expect(accept.id).toSatisfy(onPublicOrigin);
      expect(accept.actor).toBe(group);
    }
    // The Mastodon-shaped server got a request it can verify: signed by the group's https key.
    expect(c.headers.signature).toContain(`keyId="${group}#main-key"`);
  });

  it("relays a member's post to every member with Announces on the public origin", async () => {
    const post = await cavage.post("alice", { content: "Seeds to share", mention: [group] });
    for (const [name, got] of [
      ["cavage peer", () => cavage.receivedOf("Announce", (r) => r.json.object === post.noteId)],
      ["RFC 9421 peer", () => rfc9421.receivedOf("Announce", (r) => r.json.object === post.noteId)],
      ["Mastodon-shaped host", () => raw.inboxPosts((r) => r.json?.type === "Announce" && r.json?.object === post.noteId)],
    ] as const) {
      const announces = await waitFor(() => (got().length > 0 ? got() : null), `boost reaching the ${name}`);
      for (const a of announces) {
        const json = "json" in a ? a.json : null;
        expect(json.id).toSatisfy(onPublicOrigin);
        expect(json.actor).toBe(group);
      }
    }
  });

  it("accepts an activity whose Linked Data signature is its author's, carried by another actor's HTTP signature", async () => {
    const noteId = `${mastodonUser.id}/statuses/${crypto.randomUUID()}`;
    const note = { id: noteId, type: "Note", attributedTo: mastodonUser.id, content: "<p>Forwarded</p>", to: [PUBLIC, group], cc: [mastodonUser.document.followers], published: new Date().toISOString(), tag: [{ type: "Mention", href: group, name: "@commons" }] };
    raw.serve(noteId, { "@context": AS_CONTEXT, ...note });
    const create = { "@context": AS_CONTEXT, id: `${noteId}/activity`, type: "Create", actor: mastodonUser.id, object: note, to: note.to, cc: note.cc };
    const signed = await signJsonLd(create, mastodonUser.privateKey, new URL(mastodonUser.keyId), {});
    const relay = await raw.actor("relay");
    const res = await raw.send(`${origin}/inbox`, signed, relay);
    expect(res.status).toBe(202);
    await waitFor(() => cavage.receivedOf("Announce", (r) => r.json.object === noteId)[0], "boost of the LD-signed post");
  });
});
