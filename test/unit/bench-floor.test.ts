// The benchmarks' floors (bench/floor.ts) must do the work they stand for:
// the inbox floor and the three hops' floor relay accept what a server signs
// as Fedify and Praxis sign (draft-cavage), and refuse what a real inbox
// would, or their rate would be a floor of nothing.
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { signRequest } from "@fedify/fedify";
import { describe, expect, it } from "vitest";
import { digestOf, signCavage, verifyCavage } from "../../bench/floor.ts";

const url = new URL("http://127.0.0.2:8080/c/burst/inbox");
const body = JSON.stringify({ type: "Announce", actor: "http://127.0.0.3/c/national", object: "http://127.0.0.4/notes/1" });
const keyId = "http://127.0.0.3/c/national#main-key";

function pair() {
  return generateKeyPairSync("rsa", { modulusLength: 2048 });
}

/** The headers of a POST of `sent` to `url` signed as bench/floor.ts signs it. */
function signed(key: KeyObject, sent = body): Record<string, string> {
  const digest = digestOf(sent);
  return { ...signCavage(url, digest, key, keyId), digest, host: url.host };
}

const keyOfPair = (publicKey: KeyObject) => async (id: string) => {
  if (id !== keyId) throw new Error(`unexpected key ${id}`);
  return publicKey;
};

describe("the benchmarks' draft-cavage floor", () => {
  it("accepts what it signs, and gives the key it was signed with", async () => {
    const { privateKey, publicKey } = pair();
    const headers = signed(privateKey);
    expect(await verifyCavage(url, (name) => headers[name], body, keyOfPair(publicKey))).toBe(keyId);
  });

  it("refuses another body, another key, another path, a changed date and a missing signature", async () => {
    const { privateKey, publicKey } = pair();
    const headers = signed(privateKey);
    const check = (h: Record<string, string | undefined>, b = body, at = url, key = publicKey) =>
      verifyCavage(at, (name) => h[name], b, keyOfPair(key));
    expect(await check(headers, body.replace("notes/1", "notes/2"))).toBeNull();
    expect(await check({ ...headers, digest: digestOf(body.replace("notes/1", "notes/2")) }, body.replace("notes/1", "notes/2"))).toBeNull();
    expect(await check(headers, body, url, pair().publicKey)).toBeNull();
    expect(await check(headers, body, new URL("/c/other/inbox", url))).toBeNull();
    expect(await check({ ...headers, date: new Date(Date.now() + 60_000).toUTCString() })).toBeNull();
    expect(await check({ ...headers, signature: undefined })).toBeNull();
  });

  it("accepts what Fedify signs with draft-cavage, as a Praxis community's deliveries come", async () => {
    const keys = await crypto.subtle.generateKey(
      { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
      true, ["sign", "verify"]) as CryptoKeyPair;
    const request = await signRequest(new Request(url, {
      method: "POST", headers: { "content-type": "application/activity+json" }, body,
    }), keys.privateKey, new URL(keyId), { spec: "draft-cavage-http-signatures-12" });
    const { KeyObject } = await import("node:crypto");
    const publicKey = KeyObject.from(keys.publicKey);
    expect(await verifyCavage(url, (name) => request.headers.get(name), await request.text(), keyOfPair(publicKey))).toBe(keyId);
  });
});
