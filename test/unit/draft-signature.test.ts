// The direct inbox path's draft-cavage check (src/federation/draft-signature.ts)
// held to Fedify's verifyRequest: what it verifies, Fedify verifies; what it
// declines (tampered, stale, unmodelled), it leaves to Fedify.
import { generateCryptoKeyPair, preloadedContexts, signRequest, verifyRequest } from "@fedify/fedify";
import { CryptographicKey } from "@fedify/vocab";
import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { draftSignatureVerifies } from "../../src/federation/draft-signature.ts";

const KEY_ID = "https://mastodon.test/users/alice#main-key";
const INBOX = "https://praxis.test/c/makers/inbox";
const BODY = JSON.stringify({ "@context": "https://www.w3.org/ns/activitystreams", id: "https://mastodon.test/1", type: "Create" });

let keys: CryptoKeyPair;
let other: CryptoKeyPair;
const documentLoader = async (url: string) => {
  if (Object.hasOwn(preloadedContexts, url)) return { contextUrl: null, documentUrl: url, document: preloadedContexts[url] };
  if (url !== KEY_ID) throw new Error(`unexpected fetch of ${url}`);
  const key = new CryptographicKey({ id: new URL(KEY_ID), owner: new URL("https://mastodon.test/users/alice"), publicKey: keys.publicKey });
  return { contextUrl: null, documentUrl: url, document: await key.toJsonLd() };
};

async function signed(init: { body?: string; spec?: "draft-cavage-http-signatures-12" | "rfc9421"; key?: CryptoKey; date?: Date } = {}): Promise<Request> {
  const body = init.body ?? BODY;
  const headers = new Headers({ "content-type": "application/activity+json" });
  if (init.date) headers.set("date", init.date.toUTCString());
  return await signRequest(new Request(INBOX, { method: "POST", headers, body }), init.key ?? keys.privateKey, new URL(KEY_ID),
    { spec: init.spec ?? "draft-cavage-http-signatures-12" });
}

async function fedifyVerifies(request: Request): Promise<boolean> {
  return (await verifyRequest(request.clone(), { documentLoader, contextLoader: documentLoader })) !== null;
}

const bytes = (text: string) => new TextEncoder().encode(text);

describe("the synchronous draft-cavage check", () => {
  beforeAll(async () => {
    keys = await generateCryptoKeyPair("RSASSA-PKCS1-v1_5");
    other = await generateCryptoKeyPair("RSASSA-PKCS1-v1_5");
  });

  it("verifies what Fedify signs and verifies", async () => {
    const request = await signed();
    expect(await fedifyVerifies(request)).toBe(true);
    expect(draftSignatureVerifies(request, bytes(BODY), keys.publicKey)).toBe(true);
  });

  it("declines what Fedify refuses: another body, another key, a stale date, a changed signed header", async () => {
    const request = await signed();
    expect(draftSignatureVerifies(request, bytes(`${BODY} `), keys.publicKey)).toBe(false);
    expect(draftSignatureVerifies(request, bytes(BODY), other.publicKey)).toBe(false);

    const stale = await signed({ date: new Date(Date.now() - 2 * 60 * 60 * 1000) });
    expect(await fedifyVerifies(stale)).toBe(false);
    expect(draftSignatureVerifies(stale, bytes(BODY), keys.publicKey)).toBe(false);

    const changed = new Request(request, { headers: new Headers(request.headers) });
    changed.headers.set("content-type", "text/plain");
    expect(await fedifyVerifies(changed)).toBe(false);
    expect(draftSignatureVerifies(changed, bytes(BODY), keys.publicKey)).toBe(false);
    const digest = `SHA-256=${createHash("sha256").update(`${BODY} `).digest("base64")}`;
    const redigested = new Request(INBOX, { method: "POST", headers: new Headers(request.headers), body: `${BODY} ` });
    redigested.headers.set("digest", digest);
    expect(await fedifyVerifies(redigested)).toBe(false);
    expect(draftSignatureVerifies(redigested, bytes(`${BODY} `), keys.publicKey)).toBe(false);
    const moved = new Request("https://praxis.test/inbox", { method: "POST", headers: new Headers(request.headers), body: BODY });
    expect(await fedifyVerifies(moved)).toBe(false);
    expect(draftSignatureVerifies(moved, bytes(BODY), keys.publicKey)).toBe(false);
  });

  it("leaves to Fedify what it does not model: RFC 9421 signatures, created parameters, keys of another kind", async () => {
    const rfc9421 = await signed({ spec: "rfc9421" });
    expect(await fedifyVerifies(rfc9421)).toBe(true);
    expect(draftSignatureVerifies(rfc9421, bytes(BODY), keys.publicKey)).toBe(false);

    const request = await signed();
    const created = new Request(request, { headers: new Headers(request.headers) });
    created.headers.set("signature", `${request.headers.get("signature")},created="${Math.floor(Date.now() / 1000)}"`);
    expect(draftSignatureVerifies(created, bytes(BODY), keys.publicKey)).toBe(false);

    const ed25519 = await generateCryptoKeyPair("Ed25519");
    expect(draftSignatureVerifies(request, bytes(BODY), ed25519.publicKey)).toBe(false);
    expect(draftSignatureVerifies(request, bytes(BODY), null)).toBe(false);
  });
});
