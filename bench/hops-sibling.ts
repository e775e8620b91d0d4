// The three-hops benchmark's same-run baselines for the sibling's stage
// (bench/hops.ts): a server in B's place, in a process of its own, doing the
// least a server that passes a boost on can do. A Group with Praxis's key
// types (RSA-2048 and Ed25519) follows the national community as an
// ordinary follower; when that community's Announce arrives, it is verified
// and a boost of the same object goes straight to one recipient, the reader
// the benchmark times. It fetches no post, checks no link, visibility or
// policy, stores nothing and queues nothing durably, all of which Praxis's
// sibling must do (FEDERATION.md). Two ways, as `relayTo` says:
// - "stock": Fedify 2.3.6 as shipped. Fedify receives and verifies the
//   announce (no queue: inside the request) and the listener sends the boost
//   with sendActivity (an integrity proof, an RSA Linked Data signature, an
//   HTTP signature);
// - "floor": no Fedify on the way, as the inbox benchmark's floor. The
//   announce's draft-cavage signature is verified with node:crypto (the key
//   fetched once), the JSON parsed, and the boost written as a plain object
//   and POSTed at once with an HTTP signature alone.
// Driven over IPC (bench/child.ts): "uri", "follow", "relayTo", "accepted".
// Loopback only.
import { KeyObject } from "node:crypto";
import { createFederation, generateCryptoKeyPair, MemoryKvStore } from "@fedify/fedify";
import { Accept, Announce, Endpoints, Follow, Group, PUBLIC_COLLECTION, type Recipient } from "@fedify/vocab";
import { serve } from "@hono/node-server";
import { Temporal } from "@js-temporal/polyfill";
import { answerCommands } from "./child.ts";
import { digestOf, publicKeyFetcher, signCavage, verifyCavage } from "./floor.ts";
import { benchLogging } from "./logging.ts";
import { freePort } from "../test/support/net.ts";

const IDENTIFIER = "sibling";

await benchLogging();
const hostname = "127.0.0.1";
const port = await freePort(hostname);
const origin = `http://${hostname}:${port}`;
const keys = [await generateCryptoKeyPair("RSASSA-PKCS1-v1_5"), await generateCryptoKeyPair("Ed25519")];
const federation = createFederation<void>({ kv: new MemoryKvStore(), allowPrivateAddress: true, origin });

federation.setActorDispatcher("/groups/{identifier}", async (ctx, identifier) => {
  if (identifier !== IDENTIFIER) return null;
  const pairs = await ctx.getActorKeyPairs(identifier);
  return new Group({
    id: ctx.getActorUri(identifier),
    preferredUsername: identifier,
    name: "Sibling (baseline)",
    inbox: ctx.getInboxUri(identifier),
    followers: ctx.getFollowersUri(identifier),
    endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
    publicKey: pairs[0].cryptographicKey,
    assertionMethods: pairs.map((pair) => pair.multikey),
  });
}).setKeyPairsDispatcher((_ctx, identifier) => (identifier === IDENTIFIER ? keys : []));
federation.setFollowersDispatcher("/groups/{identifier}/followers", () => ({ items: [] }));

/** Whom the sibling boosts to (the timed reader), once resolved. */
let reader: Recipient | null = null;
let mode: "stock" | "floor" = "stock";
let accepted = 0;
federation.setInboxListeners("/groups/{identifier}/inbox", "/inbox")
  .on(Accept, () => { accepted++; })
  .on(Announce, async (ctx, announce) => {
    if (!reader || !announce.objectId) return;
    const boost = new Announce({
      id: new URL(`/groups/${IDENTIFIER}/announces/${crypto.randomUUID()}`, origin),
      actor: ctx.getActorUri(IDENTIFIER),
      object: announce.objectId,
      tos: [PUBLIC_COLLECTION],
      ccs: [ctx.getFollowersUri(IDENTIFIER)],
      published: Temporal.Now.instant() as unknown as globalThis.Temporal.Instant,
    });
    await ctx.sendActivity({ identifier: IDENTIFIER }, reader, boost, { immediate: true });
  });

// The floor's inbox (see the module comment).
const keyOf = publicKeyFetcher();
const privateKey = KeyObject.from(keys[0].privateKey);

async function floorInbox(req: Request): Promise<Response> {
  const body = await req.text();
  const keyId = await verifyCavage(new URL(req.url), (name) => req.headers.get(name), body, keyOf);
  if (!keyId) return new Response(null, { status: 401 });
  const activity = JSON.parse(body) as { type?: string; actor?: string; object?: unknown };
  if (activity.type === "Accept") accepted++;
  if (activity.type === "Announce" && typeof activity.object === "string" && activity.actor === keyId.replace(/#.*$/, "") && reader?.inboxId) {
    void postBoost(reader.inboxId, activity.object).catch((error) => console.error("floor boost failed:", error));
  }
  return new Response(null, { status: 202 });
}

async function postBoost(inbox: URL, object: string): Promise<void> {
  const actor = new URL(`/groups/${IDENTIFIER}`, origin).href;
  const body = JSON.stringify({
    "@context": "https://www.w3.org/ns/activitystreams",
    id: new URL(`/groups/${IDENTIFIER}/announces/${crypto.randomUUID()}`, origin).href,
    type: "Announce",
    actor,
    object,
    to: ["https://www.w3.org/ns/activitystreams#Public"],
    cc: [`${actor}/followers`],
    published: new Date().toISOString(),
  });
  const digest = digestOf(body);
  const { date, signature } = signCavage(inbox, digest, privateKey, `${actor}#main-key`);
  const response = await fetch(inbox, {
    method: "POST",
    headers: { date, digest, signature, "content-type": "application/activity+json" },
    body,
  });
  await response.body?.cancel();
  if (!response.ok) throw new Error(`${inbox.href} answered ${response.status}`);
}

const server = serve({
  fetch: (req) => (mode === "floor" && req.method === "POST" ? floorInbox(req) : federation.fetch(req, { contextData: undefined })),
  hostname, port,
});
const ctx = federation.createContext(new URL(origin), undefined);

answerCommands({
  uri: async () => ctx.getActorUri(IDENTIFIER).href,
  follow: async (target: string) => {
    const group = await ctx.lookupObject(target);
    if (!group || !("inboxId" in group)) throw new Error(`Cannot resolve ${target} to an actor`);
    await ctx.sendActivity({ identifier: IDENTIFIER }, group as unknown as Recipient, new Follow({
      id: new URL(`/groups/${IDENTIFIER}/follows/${crypto.randomUUID()}`, origin),
      actor: ctx.getActorUri(IDENTIFIER),
      object: new URL(target),
    }), { immediate: true });
  },
  relayTo: async (uri: string, how: "stock" | "floor") => {
    mode = how;
    const actor = await ctx.lookupObject(uri);
    if (!actor || !("inboxId" in actor)) throw new Error(`Cannot resolve ${uri} to an actor`);
    reader = actor as unknown as Recipient;
  },
  accepted: async () => accepted,
}, () => new Promise<void>((resolve) => {
  server.close(() => resolve());
  (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
}));
