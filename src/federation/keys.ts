// Actor key pairs: RSA-2048 for HTTP and Linked Data signatures (what
// Mastodon and Lemmy use; Fedify's 4096-bit default is ~6x slower to sign)
// and Ed25519 for Object Integrity Proofs. Order is stable, RSA first,
// because Fedify derives key ids (#main-key, #key-2) from positions.
import { KeyObject } from "node:crypto";
import { exportJwk, importJwk } from "@fedify/fedify";
import type { KeyRepository, StoredKey } from "../db/repositories/keys.ts";

const RSA_ALGORITHM = "RSASSA-PKCS1-v1_5";
const ED25519_ALGORITHM = "Ed25519";

export async function generateKeyPairs(): Promise<StoredKey[]> {
  const rsa = await crypto.subtle.generateKey(
    { name: RSA_ALGORITHM, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  ) as CryptoKeyPair;
  const ed = await crypto.subtle.generateKey(ED25519_ALGORITHM, true, ["sign", "verify"]) as CryptoKeyPair;
  return [
    { algorithm: RSA_ALGORITHM, privateJwk: await exportJwk(rsa.privateKey), publicJwk: await exportJwk(rsa.publicKey) },
    { algorithm: ED25519_ALGORITHM, privateJwk: await exportJwk(ed.privateKey), publicJwk: await exportJwk(ed.publicKey) },
  ];
}

// Importing JWKs costs more than a map lookup and keys never change once
// made. Cached per repository, because tests run several servers in one process.
const caches = new WeakMap<KeyRepository, Map<string, Promise<CryptoKeyPair[]>>>();

/** The owner's key pairs, created on first use. */
export function loadKeyPairs(keys: KeyRepository, owner: string): Promise<CryptoKeyPair[]> {
  let cache = caches.get(keys);
  if (!cache) caches.set(keys, cache = new Map());
  let pending = cache.get(owner);
  if (!pending) {
    pending = (async () => {
      let stored = await keys.list(owner);
      if (stored.length === 0) {
        await keys.insertIfAbsent(owner, await generateKeyPairs());
        stored = await keys.list(owner);
      }
      return Promise.all(stored.map(async (k) => ({
        privateKey: await importJwk(k.privateJwk, "private"),
        publicKey: await importJwk(k.publicJwk, "public"),
      })));
    })();
    pending.catch(() => cache.delete(owner));
    cache.set(owner, pending);
  }
  return pending;
}

/** Node's KeyObject of a Web Crypto key, made once per key: node:crypto signs and verifies synchronously, without a thread pool round trip. */
const keyObjects = new WeakMap<CryptoKey, KeyObject>();

export function keyObjectOf(key: CryptoKey): KeyObject {
  let object = keyObjects.get(key);
  if (!object) keyObjects.set(key, object = KeyObject.from(key));
  return object;
}
