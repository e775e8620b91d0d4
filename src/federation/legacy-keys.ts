// Standalone key documents that Fedify cannot read. Older Misskey (and a
// few other servers) sign with a keyId such as /users/ID/publickey that
// dereferences to a bare key document:
//   { "@context": "https://w3id.org/security/v1", "id": …, "type": "Key",
//     "owner": <actor>, "publicKeyPem": … }
// The security context defines no `Key` term and no vocabulary, so in
// JSON-LD the type is a relative IRI and Fedify refuses the document: every
// request from that actor, its Follow first, is answered 401.
//
// Praxis reads such a document as those servers mean it (the cleaning of
// lenient-json.ts: the ActivityStreams context first), and vouches for the
// key only when the owner's own actor document, fetched from the owner's
// id, lists that key id (and, when it embeds the key, the same key). It
// then places the key in Fedify's public-key cache, where Fedify's own
// verification of the request finds it: the signature, the digest, the
// time window and the signer–actor match are still checked by Fedify.
import type { Context, KvKey, KvStore } from "@fedify/fedify";
import { CryptographicKey, type DocumentLoader, isActor } from "@fedify/vocab";
import { getLogger } from "@logtape/logtape";
import type { AppServices } from "../services.ts";
import { cleanJsonLd } from "./lenient-json.ts";
import { embeddedOnly } from "./objects.ts";

const logger = getLogger(["praxis", "federation", "keys"]);

/** Fedify's key cache (`FederationKvPrefixes.publicKey`, whose default Praxis keeps). */
export const PUBLIC_KEY_CACHE_PREFIX = ["_fedify", "publicKey"] as const;

function isBareKeyDocument(doc: unknown, keyId: string): doc is Record<string, unknown> {
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) return false;
  const d = doc as Record<string, unknown>;
  return d.id === keyId && typeof d.owner === "string" && typeof d.publicKeyPem === "string" &&
    (d.type === "Key" || d.type === "CryptographicKey");
}

async function sameKey(a: CryptoKey, b: CryptoKey): Promise<boolean> {
  const [x, y] = await Promise.all([crypto.subtle.exportKey("spki", a), crypto.subtle.exportKey("spki", b)]);
  return Buffer.from(x).equals(Buffer.from(y));
}

/**
 * Before Fedify verifies a request signed with `keyId`: if the key is a
 * standalone document Fedify cannot parse and its owner lists it, caches
 * it for Fedify. Returns whether it did. Never throws for network input.
 */
export async function admitStandaloneKey(ctx: Context<AppServices>, kv: KvStore, keyId: string): Promise<boolean> {
  let url: URL;
  try {
    url = new URL(keyId);
  } catch {
    return false;
  }
  // A fragment keyId (#main-key) dereferences to the actor, which Fedify reads.
  if (url.hash !== "" || (url.protocol !== "https:" && url.protocol !== "http:")) return false;
  const cacheKey: KvKey = [...PUBLIC_KEY_CACHE_PREFIX, url.href];
  const cached = await kv.get(cacheKey);
  if (cached !== undefined && cached !== null) return false;
  const documentLoader: DocumentLoader = ctx.documentLoader;
  const { contextLoader } = ctx;
  const document = await documentLoader(url.href).then((r) => r.document, () => null);
  if (!isBareKeyDocument(document, url.href)) return false;
  // Fedify reads it as it is: nothing to do.
  if (await CryptographicKey.fromJsonLd(document, { documentLoader, contextLoader }).then(() => true, () => false)) return false;
  const key = await CryptographicKey.fromJsonLd(cleanJsonLd(document).json, { documentLoader, contextLoader }).catch(() => null);
  if (!key?.publicKey || key.id?.href !== url.href || !key.ownerId) return false;
  const owner = await ctx.lookupObject(key.ownerId.href).catch(() => null);
  if (!isActor(owner) || owner.id?.href !== key.ownerId.href || !owner.publicKeyIds.some((id) => id.href === url.href)) {
    logger.info("Key {keyId} is not listed by its owner {owner}; not trusted", { keyId: url.href, owner: key.ownerId.href });
    return false;
  }
  for await (const listed of owner.getPublicKeys({ documentLoader: embeddedOnly, contextLoader, suppressError: true })) {
    if (listed.id?.href === url.href && listed.publicKey && !await sameKey(listed.publicKey, key.publicKey)) {
      logger.info("Key {keyId} differs from the one its owner {owner} lists; not trusted", { keyId: url.href, owner: key.ownerId.href });
      return false;
    }
  }
  await kv.set(cacheKey, await key.toJsonLd({ contextLoader }));
  logger.info("Accepted standalone key {keyId}, listed by its owner {owner}", { keyId: url.href, owner: key.ownerId.href });
  return true;
}
