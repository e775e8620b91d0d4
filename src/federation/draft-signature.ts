// A synchronous check of a draft-cavage HTTP signature (what Mastodon, Lemmy,
// NodeBB and Praxis send) with an RSA key already known, for the inbox's
// direct path. Fedify's verifyRequest does the same through WebCrypto, whose
// every digest and verification is a job handed to libuv's thread pool and
// back, and compares dates through the Temporal polyfill: together about a
// third of the direct path's CPU per request.
//
// It says only yes, or "not here": it checks exactly what Fedify 2.3.6's
// verifyRequestDraft checks, in the same way — the Digest header (every
// algorithm it lists that Fedify supports must match, at least one), the
// Date header within an hour, the signed headers including
// (request-target), date and digest, the signing string built as Fedify
// builds it, an RSASSA-PKCS1-v1_5 SHA-256 signature — and anything it does
// not model (a `created` or `expires` parameter, a key of another kind) or
// any failure goes to Fedify's verifier, which fetches the key again when a
// signature fails with the cached one, and answers as before.
import { createHash, type KeyObject, timingSafeEqual, verify } from "node:crypto";
import { keyObjectOf } from "./keys.ts";

/** Fedify's default time window for the Date header (its `signatureTimeWindow`). */
const TIME_WINDOW_MS = 60 * 60 * 1000;
/** The Digest algorithms Fedify supports, by their node:crypto names. */
const DIGESTS: Readonly<Record<string, string>> = { "sha": "sha1", "sha-256": "sha256", "sha-512": "sha512" };

/** The key as node:crypto uses it, if it is an RSASSA-PKCS1-v1_5 SHA-256 key (what Fedify verifies draft signatures with). */
function rsaKeyObject(key: CryptoKey): KeyObject | null {
  const algorithm = key.algorithm as RsaHashedKeyAlgorithm;
  return algorithm.name === "RSASSA-PKCS1-v1_5" && algorithm.hash?.name === "SHA-256" ? keyObjectOf(key) : null;
}

function parameters(header: string): Record<string, string> {
  // As Fedify reads the Signature header.
  return Object.fromEntries(header.split(",")
    .map((pair) => pair.match(/^\s*([A-Za-z]+)=(?:"([^"]*)"|(\d+))\s*$/))
    .filter((m) => m != null)
    .map((m) => [m[1], m[2] ?? m[3]]));
}

function digestMatches(header: string, body: Uint8Array): boolean {
  let matched = false;
  for (const pair of header.split(",")) {
    const at = pair.indexOf("=");
    const [algorithm, value] = at < 0 ? [pair, ""] : [pair.slice(0, at), pair.slice(at + 1).trim()];
    const hash = DIGESTS[algorithm.trim().toLowerCase()];
    if (!hash) continue;
    const expected = createHash(hash).update(body).digest();
    const given = Buffer.from(value, "base64");
    // Not canonical base64 (Fedify's decoder refuses it): not ours to judge.
    if (given.toString("base64") !== value) return false;
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
    matched = true;
  }
  return matched;
}

/**
 * Whether `request`, whose body is `body`, carries a draft-cavage signature
 * that Fedify would verify with `key`; false means "let Fedify decide".
 */
export function draftSignatureVerifies(request: Pick<Request, "url" | "method" | "headers">, body: Uint8Array, key: CryptoKey | null, now = Date.now()): boolean {
  const publicKey = key ? rsaKeyObject(key) : null;
  const header = request.headers.get("signature");
  const date = request.headers.get("date");
  const digest = request.headers.get("digest");
  if (!publicKey || header === null || date === null || digest === null) return false;
  const signature = parameters(header);
  if (!signature.keyId || !signature.headers || !signature.signature || "created" in signature || "expires" in signature) return false;
  const at = Date.parse(date);
  if (!Number.isFinite(at) || Math.abs(at - now) > TIME_WINDOW_MS) return false;
  const names = signature.headers.split(/\s+/g);
  if (!names.includes("(request-target)") || !names.includes("date") || !names.includes("digest")) return false;
  if (names.includes("(created)") || names.includes("(expires)")) return false;
  if (!digestMatches(digest, body)) return false;
  const url = new URL(request.url);
  const signed = names.map((name) => `${name}: ${name === "(request-target)"
    ? `${request.method.toLowerCase()} ${url.pathname}`
    : name === "host" ? request.headers.get("host") ?? url.host : String(request.headers.get(name))}`).join("\n");
  return verify("sha256", Buffer.from(signed), publicKey, Buffer.from(signature.signature, "base64"));
}
