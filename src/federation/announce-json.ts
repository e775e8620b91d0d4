// The Announces a community relays, prepared by Praxis instead of Fedify.
//
// Relaying a post is the hot path of a community server: every post a member
// sends becomes two Announces (FEP-1b12's Announce(Create) and a boost), each
// copied to every follower's inbox. Fedify's sendActivity prepares each one
// with an Ed25519 integrity proof over a jsonld.js compaction, a second
// JSON-LD pass to spell the public audience out, and an RSA Linked Data
// signature over an RDF canonisation of the whole activity, embedded post
// included: about 17 ms of CPU for one Announce(Create) on these machines,
// against 1.4 ms for the serialisation alone (measured with Fedify 2.3.6).
//
// Here, an Announce is serialised once, by Fedify's own compact form
// (Activity.toJsonLd without a format: the same JSON-LD, without a jsonld.js
// compaction), with:
// - for the Announces built plainly (all a relay sends), only the
//   ActivityStreams and data integrity contexts (ANNOUNCE_CONTEXT), 87
//   bytes where Fedify writes 877: a stock Fedify inbox took 13-19 % less
//   time over a boost so written (3.5-3.8 ms against 4.1-4.7 ms);
// - the public audience written as the full IRI, as Fedify's
//   normalizeOutgoingActivityJsonLd does (Lemmy does not read `as:Public`);
// - an FEP-8b32 integrity proof (eddsa-jcs-2022) made exactly as Fedify's
//   createProof makes it, over the JSON as sent: SHA-256 of the RFC 8785
//   canonical proof configuration, then of the document, signed with the
//   community's Ed25519 key. Fedify's verifyProof checks it over the
//   document as received, so receivers see no difference
//   (test/unit/announce-json.test.ts verifies it with Fedify);
// - no RSA Linked Data signature. That signature only serves a third party
//   forwarding the activity (Mastodon's inbox forwarding of replies). The
//   community delivers its Announces to every follower itself, HTTP-signed
//   with its own key, which is how Mastodon and Lemmy authenticate them.
//
// Every other activity a community sends keeps Fedify's preparation.
import { createHash, type KeyObject, sign } from "node:crypto";
import type { Context } from "@fedify/fedify";
import { encodeMultibase, exportJwk } from "@fedify/fedify";
import { Activity, Announce } from "@fedify/vocab";
import canonicalize from "json-canon";
import type { AppServices } from "../services.ts";
import { keyObjectOf } from "./keys.ts";
import { publicOrigin } from "./origin.ts";
import { embeddedOnly } from "./objects.ts";
import { instantString } from "./time.ts";

const PUBLIC_IRI = "https://www.w3.org/ns/activitystreams#Public";
const PUBLIC_SPELLINGS = new Set(["as:Public", "Public"]);
const AUDIENCE_KEYS = ["to", "cc", "bto", "bcc", "audience"];
const ANNOUNCE_TYPE = "https://www.w3.org/ns/activitystreams#Announce";

type Json = Record<string, unknown>;

/** Spells the public audience out as the full IRI, in the activity and the objects it embeds. */
export function spellOutPublic(node: unknown, depth = 0): void {
  if (depth > 8 || node === null || typeof node !== "object") return;
  if (Array.isArray(node)) {
    for (const item of node) spellOutPublic(item, depth + 1);
    return;
  }
  const o = node as Json;
  for (const key of AUDIENCE_KEYS) {
    const value = o[key];
    if (typeof value === "string" && PUBLIC_SPELLINGS.has(value)) o[key] = PUBLIC_IRI;
    else if (Array.isArray(value)) o[key] = value.map((v) => (typeof v === "string" && PUBLIC_SPELLINGS.has(v) ? PUBLIC_IRI : v));
  }
  if (o.object !== undefined) spellOutPublic(o.object, depth + 1);
}

const sha256 = (text: string): Buffer => createHash("sha256").update(text).digest();


/** Ed25519's signature of `data`, made on libuv's thread pool rather than on the event loop. */
const signOffThread = (data: Buffer, key: KeyObject): Promise<Buffer> =>
  new Promise((resolve, reject) => sign(null, data, key, (error, signature) => error ? reject(error) : resolve(signature)));

/**
 * Adds an eddsa-jcs-2022 integrity proof to `document` (which must have no
 * proof yet), as Fedify's createProof would: returns the signed document.
 * `created` is written as given (an xsd:dateTime), and is what is signed.
 * The signature is made off the event loop (a queue worker relaying a burst
 * of posts makes two per post).
 */
export async function withIntegrityProof(document: Json, privateKey: CryptoKey, verificationMethod: URL, created: string): Promise<Json> {
  const config = {
    "@context": document["@context"],
    type: "DataIntegrityProof",
    cryptosuite: "eddsa-jcs-2022",
    verificationMethod: verificationMethod.href,
    proofPurpose: "assertionMethod",
    created,
  };
  const digest = Buffer.concat([sha256(canonicalize(config)), sha256(canonicalize(document))]);
  const signature = await signOffThread(digest, keyObjectOf(privateKey));
  const proof = {
    type: "DataIntegrityProof",
    cryptosuite: "eddsa-jcs-2022",
    verificationMethod: verificationMethod.href,
    proofPurpose: "assertionMethod",
    proofValue: new TextDecoder().decode(encodeMultibase("base58btc", signature)),
    created,
  };
  return { ...document, proof };
}

/** Announces built with an id, an actor, an object, a publication time and an audience, nothing else (outbound.ts). */
const plainAnnounces = new WeakSet<Announce>();

/**
 * Marks `announce` as built with only an id, an actor, an object, a
 * publication time and `to`/`cc`: its JSON is then written here, as
 * Fedify's compact form writes it but under ANNOUNCE_CONTEXT, instead of by
 * Fedify's toJsonLd, which compacts it with jsonld.js (about 0.6 ms of CPU
 * per Announce).
 */
export function plainAnnounce(announce: Announce): Announce {
  plainAnnounces.add(announce);
  return announce;
}

/**
 * The @context of a plain Announce: the ActivityStreams terms it uses, and
 * the data integrity context that defines its `proof`. Fedify writes a
 * larger one on every activity (the identity context for Linked Data
 * signatures, and Mastodon's, Misskey's and GoToSocial's extension terms)
 * that an Announce uses none of; each receiver that reads JSON-LD (Fedify's
 * inbox does) processes every context an activity names. Both are
 * preloaded by Fedify, and Mastodon and Lemmy read the JSON as written.
 */
export const ANNOUNCE_CONTEXT: readonly string[] = Object.freeze([
  "https://www.w3.org/ns/activitystreams",
  "https://w3id.org/security/data-integrity/v1",
]);

/**
 * A plain Announce's JSON-LD with `object` as its object: what Fedify's
 * compact toJsonLd writes, under ANNOUNCE_CONTEXT (the same JSON-LD once
 * expanded; test/unit/announce-json.test.ts checks it).
 */
function plainAnnounceJson(announce: Announce, object: URL): Json {
  const one = (ids: URL[]) => (ids.length === 1 ? ids[0].href : ids.map((id) => id.href));
  const json: Json = { "@context": [...ANNOUNCE_CONTEXT], id: announce.id!.href, type: "Announce" };
  if (announce.actorId) json.actor = announce.actorId.href;
  if (announce.ccIds.length > 0) json.cc = one(announce.ccIds);
  json.object = object.href;
  if (announce.published) json.published = instantString(announce.published);
  if (announce.toIds.length > 0) json.to = one(announce.toIds);
  return json;
}

/**
 * The Announce's JSON-LD. An activity it embeds (the Create it relays) is
 * written as its own JSON-LD, with its own `@context`: Fedify keeps that of
 * an activity it parsed, so this is the activity as its author sent it
 * (FEP-1b12), where serialising it inside the Announce would rebuild it
 * (about 0.8 ms for a Mastodon post).
 */
export async function serialise(ctx: Pick<Context<AppServices>, "contextLoader">, announce: Announce): Promise<Json> {
  const { contextLoader } = ctx;
  const embedded = announce.objectId
    ? await announce.getObject({ documentLoader: embeddedOnly, contextLoader }).catch(() => null)
    : null;
  const plain = plainAnnounces.has(announce) && announce.id !== null;
  if (!(embedded instanceof Activity) || !embedded.id) {
    return plain && announce.objectId ? plainAnnounceJson(announce, announce.objectId) : await announce.toJsonLd({ contextLoader }) as Json;
  }
  const shell = plain
    ? plainAnnounceJson(announce, embedded.id)
    : await announce.clone({ object: embedded.id }).toJsonLd({ contextLoader }) as Json;
  // A copy: Fedify's own is shared, and the audience is rewritten below.
  return { ...shell, object: structuredClone(await embedded.toJsonLd({ contextLoader })) };
}

/** A private key's JWK, exported once per key (keys never change once made). */
const jwks = new WeakMap<CryptoKey, Promise<JsonWebKey>>();

function jwkOf(key: CryptoKey): Promise<JsonWebKey> {
  let jwk = jwks.get(key);
  if (!jwk) jwks.set(key, jwk = exportJwk(key));
  return jwk;
}

/** A delivery message in Fedify's OutboxMessage shape, for the fan-out to copy per inbox. */
export interface PreparedDelivery {
  type: "outbox";
  id: string;
  baseUrl: string;
  keys: { keyId: string; privateKey: JsonWebKey }[];
  activity: Json;
  activityId: string;
  activityType: string;
  inbox: string;
  sharedInbox: boolean;
  actorIds: string[];
  started: string;
  attempt: 0;
  headers: Record<string, string>;
  orderingKey?: string;
  traceContext: Record<string, string>;
}

/** The community's key pairs, as Fedify derives them (key ids included): read once for the Announces relayed together. */
export type CommunityKeyPairs = Awaited<ReturnType<Context<AppServices>["getActorKeyPairs"]>>;

/**
 * Prepares the community's `announce` for delivery: its JSON as sent (with
 * its integrity proof, made with the Ed25519 key of `pairs`) in a delivery
 * message addressed to `inbox`, signed over HTTP with the RSA key of
 * `pairs` when it is sent.
 */
export async function prepareAnnounce(ctx: Context<AppServices>, pairs: CommunityKeyPairs, announce: Announce, inbox: URL): Promise<PreparedDelivery> {
  if (!announce.id) throw new TypeError("An Announce to send must have an id");
  const rsa = pairs.find((p) => p.privateKey.algorithm.name === "RSASSA-PKCS1-v1_5");
  if (!rsa) throw new Error(`${announce.actorId?.href} has no RSA key to sign its deliveries with`);
  let activity = await serialise(ctx, announce);
  spellOutPublic(activity);
  const ed = pairs.find((p) => p.privateKey.algorithm.name === "Ed25519");
  if (ed) {
    // Whole seconds, as Temporal writes them: a verifier reads `created` back and signs its string again.
    const created = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace(".000Z", "Z");
    activity = await withIntegrityProof(activity, ed.privateKey, ed.multikey.id!, created);
  }
  return {
    type: "outbox",
    id: crypto.randomUUID(),
    baseUrl: publicOrigin(ctx),
    keys: [{ keyId: rsa.keyId.href, privateKey: await jwkOf(rsa.privateKey) }],
    activity,
    activityId: announce.id.href,
    activityType: ANNOUNCE_TYPE,
    inbox: inbox.href,
    sharedInbox: true,
    actorIds: [],
    started: new Date().toISOString(),
    attempt: 0,
    headers: {},
    traceContext: {},
  };
}
