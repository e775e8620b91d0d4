// Accepting an inbox delivery signed over HTTP only, the common case (what
// Mastodon, Lemmy, NodeBB and Praxis send), without Fedify's inbox handler.
//
// Fedify 2.3.6's handler, for such a delivery, parses the activity as
// JSON-LD twice (once looking for integrity proofs, once again after the
// HTTP signature verifies), reads the signer's key from its KV store and
// parses that as JSON-LD too, builds the recipient Group through the actor
// dispatcher, and Praxis's admission hook writes a record, all before the
// `202`. For a delivery with one HTTP signature whose key is known here
// already (fetched and parsed before, by either path) and is on the origin
// of the actor the JSON names, this does each check once, and writes
// nothing but the queued message (the inbox guard has done the size, shape,
// domain policy and rate limits):
//   1. verifies the HTTP signature: a draft-cavage one with an RSA key
//      synchronously, as Fedify checks it (draft-signature.ts), any other
//      (RFC 9421, or one that does not verify so) with Fedify's own
//      verifyRequest (the digest, the time window, either format); its keys
//      kept parsed and imported in memory (KeyMemory below) in front of
//      Fedify's key cache, which it shares; a signature that does not verify
//      with the key as fetched again is answered 401, as Fedify's handler
//      would;
//   2. makes sure the activity reads as exactly the one actor the JSON
//      names: a plain activity (inbox-shape.ts: known contexts renaming
//      nothing, kinds of values Fedify parses) means as JSON what JSON-LD
//      reads, and is left to the worker to parse; any other is parsed here
//      (Activity.fromJsonLd, as Fedify does), so that what Fedify's parser
//      refuses is still answered before the `202` and an inline @context
//      aliasing another actor goes to Fedify's path;
//   3. queues it in the message Fedify's worker reads, exactly as Fedify
//      would, with what was checked: the actor and the keyIds that verified
//      (`praxisAdmission`), in place of the admission record Fedify's path
//      writes to the database.
// The worker parses the activity again (as it always does) and, before any
// listener runs, admits it (admissionProblem in signer.ts): it must still
// parse to that one actor, every key on its origin, its host allowed by the
// domain policy as it stands; otherwise it is dropped. (Fedify's handler
// also looks up a per-inbox idempotency record, which with a queue nothing
// ever writes: its worker records and skips activities already processed,
// by id.)
// Everything else goes to Fedify's handler, which answers it as before: a
// first contact (its key fetched, perhaps a standalone key admitted), a key
// on another origin than the actor's (the actor's document must list it), a
// Linked Data signature in the body, an integrity proof with an HTTP
// signature that does not verify, a document read leniently (400, or 202
// for a type Fedify does not know).
import type { Context, KvKey, KvStore, MessageQueue } from "@fedify/fedify";
import { hasProofLike, hasSignatureLike, verifyRequest } from "@fedify/fedify";
import { Activity, CryptographicKey, Multikey } from "@fedify/vocab";
import { getLogger } from "@logtape/logtape";
import type { AppServices } from "../services.ts";
import { hostOf } from "../domain/hosts.ts";
import { draftSignatureVerifies } from "./draft-signature.ts";
import { plainActivityProblem } from "./inbox-shape.ts";
import { actorsOf, type QueuedAdmission, sameOrigin, verifiedHosts } from "./signer.ts";

const logger = getLogger(["praxis", "federation", "inbox-accept"]);

/** Fedify's default KV prefix (FederationKvPrefixes) for its key cache. */
const PUBLIC_KEY_PREFIX: KvKey = ["_fedify", "publicKey"];

/** Other spellings of `actor` a document could use beside it (the worker checks the parsed actor in any case). */
const ACTOR_SPELLINGS = ["as:actor", "https://www.w3.org/ns/activitystreams#actor", "@graph"];

const KEY_MEMORY_SIZE = 10_000;
/** How long a key is reused from memory; a signature that fails with it fetches the key again at once. */
const KEY_MEMORY_MS = 60 * 60 * 1000;

type PublicKey = CryptographicKey | Multikey;

/**
 * Fedify's KeyCache, with the keys kept parsed (and their CryptoKeys
 * imported, which Fedify's vocabulary objects memoise) in memory, in front
 * of Fedify's own entries in the KV store (same keys, same format), so that
 * both paths share what either fetched. Fedify's verifier fetches a key
 * again when a signature fails with the cached one, so a rotated key is
 * picked up at its first use.
 */
export class KeyMemory {
  readonly #kv: KvStore;
  readonly #options: { contextLoader: Context<AppServices>["contextLoader"] };
  readonly #memory = new Map<string, { key: PublicKey; expires: number }>();

  constructor(kv: KvStore, contextLoader: Context<AppServices>["contextLoader"]) {
    this.#kv = kv;
    this.#options = { contextLoader };
  }

  async get(keyId: URL): Promise<PublicKey | null | undefined> {
    const hit = this.#memory.get(keyId.href);
    if (hit && hit.expires > Date.now()) return hit.key;
    const stored = await this.#kv.get<unknown>([...PUBLIC_KEY_PREFIX, keyId.href]);
    // Unknown or remembered as unavailable: fetch it (this path never refuses on that).
    if (stored === undefined || stored === null) return undefined;
    try {
      const key = await CryptographicKey.fromJsonLd(stored, this.#options).catch(() => Multikey.fromJsonLd(stored, this.#options));
      this.#remember(keyId.href, key);
      return key;
    } catch {
      return undefined;
    }
  }

  async set(keyId: URL, key: PublicKey | null): Promise<void> {
    if (key === null) return;
    this.#remember(keyId.href, key);
    await this.#kv.set([...PUBLIC_KEY_PREFIX, keyId.href], await key.toJsonLd(this.#options));
  }

  #remember(keyId: string, key: PublicKey): void {
    this.#memory.delete(keyId);
    this.#memory.set(keyId, { key, expires: Date.now() + KEY_MEMORY_MS });
    while (this.#memory.size > KEY_MEMORY_SIZE) this.#memory.delete(this.#memory.keys().next().value!);
  }
}

/** What the direct path reads of the request besides its body: the headers the inbox guard passed on. */
export type SignedRequest = Pick<Request, "url" | "method" | "headers">;

export interface DirectAcceptOptions {
  /** The request context (the public origin's), as Fedify's handler would create it; made only if a check needs Fedify. */
  context: () => Context<AppServices>;
  services: AppServices;
  /** The public origin, where Fedify's worker resolves the queued activity's URLs. */
  origin: string;
  /** The queue Fedify's worker reads incoming activities from. */
  queue: MessageQueue;
  keys: KeyMemory;
  /** The recipient community's identifier, or null for the shared inbox. */
  recipient: string | null;
  /** The keyIds of the request's HTTP signatures, as the inbox guard read them. */
  keyIds: string[];
  /** The request's body, the bytes its signature covers. */
  body: Uint8Array;
}

/**
 * Accepts `json`, delivered by `request` (its body the bytes the signature
 * covers), when it is signed over HTTP only: the `202` answer, or null to
 * hand the request to Fedify. Runs within the inbox guard's scope; throws
 * the admission hook's refusals (InboxRefusal) as Fedify's path would.
 */
export async function acceptDirectly(request: SignedRequest, json: unknown, options: DirectAcceptOptions): Promise<Response | null> {
  if (json === null || typeof json !== "object" || Array.isArray(json)) return null;
  const document = json as Record<string, unknown>;
  // A Linked Data signature goes to Fedify's handler. An integrity proof
  // (Praxis's own Announces carry one) is left unchecked here: Fedify's
  // handler, when a proof does not verify, takes the activity on its HTTP
  // signature, which is what is checked below; and one whose HTTP signature
  // fails goes to Fedify's handler, which may take it on its proof.
  if (hasSignatureLike(json)) return null;
  const proofed = hasProofLike(json);
  const { context, services, origin, queue, keys, recipient, keyIds, body } = options;
  // One signature, with a key known here: a first contact (its key fetched,
  // perhaps a standalone key admitted) goes through Fedify's handler.
  if (keyIds.length !== 1 || !URL.canParse(keyIds[0])) return null;
  const known = await keys.get(new URL(keyIds[0]));
  if (!known) return null;
  // A draft-cavage signature with the RSA key as known is checked here, as
  // Fedify checks it (draft-signature.ts); any other, and any that does not
  // verify so, by Fedify's own verifier.
  if (!draftSignatureVerifies(request, body, known instanceof CryptographicKey ? known.publicKey : null)) {
    const ctx = context();
    const signed = new Request(request.url, { method: request.method, headers: request.headers, body: body as Uint8Array<ArrayBuffer> });
    const key = await verifyRequest(signed, { documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader, keyCache: keys });
    // Fedify's verifier fetched the key again before failing: its handler would do just the same.
    if (!key) {
      if (proofed) return null;
      logger.info("Refused a delivery signed with {keyId}: its HTTP signature does not verify", { keyId: keyIds[0] });
      return text(401, "Failed to verify the request's HTTP signature.");
    }
  }
  // The actor as the JSON names it, with the key on its origin (FEP-fe34).
  // Anything else — no id, an actor named otherwise or by another server's
  // key — is bound by Fedify's path, which fetches the actor if it must.
  const actor = document.actor;
  if (typeof document.id !== "string" || typeof actor !== "string" || !sameOrigin(keyIds[0], actor)) return null;
  if (ACTOR_SPELLINGS.some((term) => term in document)) return null;
  // An Announce (a linked community's) is queued without its own integrity
  // proof, which its HTTP signature stood in for: nothing after this reads
  // it, and parsing it costs JSON-LD ten times the rest of the activity
  // (3.2 against 0.3 ms for a boost). Another activity keeps its proof,
  // which may travel on, embedded in a relay (Announce(Create)).
  const queued = proofed && document.type === "Announce" ? withoutProof(document) : document;
  // A plain activity (inbox-shape.ts) means, read as JSON, what JSON-LD
  // reads: it is parsed by the worker alone. Any other is parsed here, so
  // that what Fedify's parser refuses is still answered before the `202`
  // (400, or 202 for a type it does not know, by Fedify's path), and so that
  // what JSON-LD reads as the actor is the actor the JSON names (an inline
  // context may alias it): anything else goes to Fedify's path.
  if (plainActivityProblem(queued) !== null) {
    let activity: Activity;
    try {
      const ctx = context();
      activity = await Activity.fromJsonLd(queued, { documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader });
    } catch (error) {
      logger.debug("Handing {id} to Fedify: {error}", { id: document.id, error });
      return null;
    }
    const actors = actorsOf(activity);
    if (activity.id?.href !== document.id || actors.length !== 1 || actors[0] !== actor) return null;
  }
  logger.debug("Accepting {id} ({type}) from {actor} directly", { id: document.id, type: document.type, actor });
  const host = hostOf(keyIds[0]);
  if (host) verifiedHosts(services).add(host);
  const admission: QueuedAdmission = { actor, keyIds };
  await queue.enqueue({
    type: "inbox",
    id: crypto.randomUUID(),
    baseUrl: origin,
    activity: queued,
    identifier: recipient,
    attempt: 0,
    started: new Date().toISOString(),
    traceContext: {},
    praxisAdmission: admission,
  });
  return text(202, "");
}

/** The activity without its top-level `proof`. */
function withoutProof(document: Record<string, unknown>): Record<string, unknown> {
  const { proof: _proof, ...rest } = document;
  return rest;
}

function text(status: number, body: string): Response {
  return new Response(body, { status, headers: { "Content-Type": "text/plain; charset=utf-8" } });
}
