// Pure parts of the inbox's trust checks: the JSON shape scan, reading
// signers and actors from a request, the authorship rule, and the
// verified-host registry.
import { describe, expect, it } from "vitest";
import { judgeAuthorship } from "../../src/domain/authorship.ts";
import { VerifiedHosts } from "../../src/federation/signer.ts";
import { ldSignatureCreator, rawActors, signatureKeyIds } from "../../src/web/inbox-guard.ts";
import { checkJsonShape } from "../../src/web/json-shape.ts";

const bytes = (s: string) => new TextEncoder().encode(s);
const limits = { maxDepth: 4, maxMembers: 10 };

describe("the JSON shape scan", () => {
  it("accepts an object within the limits, and counts depth and values", () => {
    expect(checkJsonShape(bytes('{"a":{"b":{"c":[1]}}}'), limits)).toBeNull();
    expect(checkJsonShape(bytes('{"a":{"b":{"c":[[1]]}}}'), limits)?.kind).toBe("too-deep");
    expect(checkJsonShape(bytes('{"a":[1,2,3,4,5,6,7,8,9]}'), limits)).toBeNull();
    expect(checkJsonShape(bytes('{"a":[1,2,3,4,5,6,7,8,9,10]}'), limits)?.kind).toBe("too-many-members");
    expect(checkJsonShape(bytes('{"a":[],"b":{},"c":1,"d":2,"e":3,"f":4,"g":5,"h":6,"i":7,"j":8}'), limits)).toBeNull();
  });

  it("ignores brackets, braces, commas and colons inside strings, escaped quotes included", () => {
    const tricky = JSON.stringify({ a: '[[[[{{{{ "quoted" \\ ,,,:::', b: "\"}]" });
    expect(checkJsonShape(bytes(tricky), limits)).toBeNull();
  });

  it("refuses what is not an object", () => {
    for (const body of ["[]", "\"x\"", "42", "null", "", "   "]) {
      expect(checkJsonShape(bytes(body), limits)?.kind).toBe("not-object");
    }
    expect(checkJsonShape(bytes('\uFEFF {"a":1}'), limits)).toBeNull();
  });

  it("scans a deep bomb without recursion and stops at the limit", () => {
    const bomb = `{"a":${"[".repeat(100_000)}${"]".repeat(100_000)}}`;
    expect(checkJsonShape(bytes(bomb), { maxDepth: 32, maxMembers: 10_000 })?.message).toMatch(/deeper than 32/);
  });
});

describe("reading the request", () => {
  it("finds every keyId, in both signature formats", () => {
    const headers = new Headers({
      Signature: 'keyId="https://a.example/u#main-key",algorithm="rsa-sha256",signature="x"',
      "Signature-Input": 'sig1=("@method");keyid="https://b.example/k1";alg="rsa-v1_5-sha256", sig2=("@method");keyid="https://c.example/k2"',
    });
    expect(signatureKeyIds(headers)).toEqual(["https://a.example/u#main-key", "https://b.example/k1", "https://c.example/k2"]);
    expect(signatureKeyIds(new Headers())).toEqual([]);
    // A repeated cavage keyId (Fedify reads the last), any case; RFC 9421 tokens and escapes.
    expect(signatureKeyIds(new Headers({ Signature: 'keyId="https://a.example/k",KEYID="https://b.example/k",signature="x"' })))
      .toEqual(["https://a.example/k", "https://b.example/k"]);
    expect(signatureKeyIds(new Headers({ "Signature-Input": 'sig1=();keyid=https://t.example/k;created=1, sig2=();keyid="https://e.example/\\"k"' })))
      .toEqual(["https://t.example/k", 'https://e.example/"k']);
  });

  it("reads the actor however the raw JSON spells it, and the Linked Data signature's creator", () => {
    expect(rawActors({ actor: "https://a.example/u" })).toEqual(["https://a.example/u"]);
    expect(rawActors({ "as:actor": { id: "https://a.example/u" } })).toEqual(["https://a.example/u"]);
    expect(rawActors({ "https://www.w3.org/ns/activitystreams#actor": [{ "@id": "https://a.example/u" }, "https://b.example/v"] }))
      .toEqual(["https://a.example/u", "https://b.example/v"]);
    expect(rawActors({ type: "Follow" })).toEqual([]);
    expect(ldSignatureCreator({ signature: { type: "RsaSignature2017", creator: "https://a.example/u#main-key" } })).toBe("https://a.example/u#main-key");
    expect(ldSignatureCreator({ signature: "nope" })).toBeNull();
  });
});

describe("authorship", () => {
  const actor = "https://video.example/accounts/pat";
  it("accepts the actor alone, or with groups of its own server", () => {
    expect(judgeAuthorship(actor, [{ id: actor, kind: "person" }])).toEqual({ ok: true });
    expect(judgeAuthorship(actor, [{ id: "https://video.example/video-channels/pat", kind: "group" }, { id: actor, kind: "person" }])).toEqual({ ok: true });
  });

  it("refuses another person, anything on another server, anything unreadable, and an object without its actor", () => {
    const okFor = (attributions: Parameters<typeof judgeAuthorship>[1]) => judgeAuthorship(actor, attributions).ok;
    expect(okFor([{ id: actor, kind: "person" }, { id: "https://video.example/accounts/alice", kind: "person" }])).toBe(false);
    expect(okFor([{ id: actor, kind: "person" }, { id: "https://other.example/groups/g", kind: "group" }])).toBe(false);
    expect(okFor([{ id: actor, kind: "person" }, { id: "https://video.example/x", kind: "unknown" }])).toBe(false);
    expect(okFor([{ id: "https://video.example/accounts/alice", kind: "person" }])).toBe(false);
    expect(okFor([])).toBe(false);
    const many = Array.from({ length: 5 }, (_, i) => ({ id: `https://video.example/c/${i}`, kind: "group" as const }));
    expect(okFor([{ id: actor, kind: "person" }, ...many])).toBe(false);
  });
});

describe("the verified-host registry", () => {
  it("forgets the oldest host first when full", () => {
    const hosts = new VerifiedHosts(2);
    hosts.add("a.example");
    hosts.add("b.example");
    hosts.add("a.example");
    hosts.add("c.example");
    expect(["a.example", "b.example", "c.example"].map((h) => hosts.has(h))).toEqual([false, true, true]);
  });
});
