// The Announces Praxis prepares itself (src/federation/announce-json.ts)
// must verify with Fedify's own Object Integrity Proof verification, as
// another Fedify server (Hollo, Hackers' Pub, another Praxis) checks them.
import { generateCryptoKeyPair, MemoryKvStore, verifyObject } from "@fedify/fedify";
import { Announce, Create, Multikey, PUBLIC_COLLECTION } from "@fedify/vocab";
import { describe, expect, it } from "vitest";
import jsonldModule from "jsonld";
import { ANNOUNCE_CONTEXT, plainAnnounce, serialise, spellOutPublic, withIntegrityProof } from "../../src/federation/announce-json.ts";
import { ContextLoader } from "../../src/federation/context-loader.ts";
import { instant } from "../../src/federation/time.ts";

const contextLoader = new ContextLoader({ kv: new MemoryKvStore(), allowPrivateAddress: false, cacheSeconds: 60, failureCacheSeconds: 60, timeoutMs: 1000, maxBytes: 1 << 20 }).load;

const GROUP = "https://praxis.example/c/lyon";
const KEY_ID = new URL(`${GROUP}#multikey-2`);

const mastodonCreate = {
  "@context": ["https://www.w3.org/ns/activitystreams", { sensitive: "as:sensitive", Hashtag: "as:Hashtag" }],
  id: "https://mastodon.example/users/ana/statuses/1/activity",
  type: "Create",
  actor: "https://mastodon.example/users/ana",
  published: "2026-12-01T10:00:00Z",
  to: ["https://www.w3.org/ns/activitystreams#Public"],
  cc: [GROUP, "https://mastodon.example/users/ana/followers"],
  object: {
    id: "https://mastodon.example/users/ana/statuses/1",
    type: "Note",
    attributedTo: "https://mastodon.example/users/ana",
    content: "<p>Hello <a href=\"https://praxis.example/c/lyon\">@lyon</a> — ça va ?</p>",
    published: "2026-12-01T10:00:00Z",
    to: ["https://www.w3.org/ns/activitystreams#Public"],
    cc: [GROUP],
    sensitive: false,
    tag: [{ type: "Mention", href: GROUP, name: "@lyon@praxis.example" }, { type: "Hashtag", href: "https://mastodon.example/tags/x", name: "#x" }],
  },
};

async function signedAnnounce() {
  const keys = await generateCryptoKeyPair("Ed25519");
  const create = await Create.fromJsonLd(mastodonCreate, { contextLoader, documentLoader: contextLoader });
  const announce = new Announce({
    id: new URL(`${GROUP}/activities/1`), actor: new URL(GROUP), object: create,
    published: instant("2026-12-01T10:00:01Z"), to: PUBLIC_COLLECTION, cc: new URL(`${GROUP}/followers`),
  });
  const json = await announce.toJsonLd({ contextLoader }) as Record<string, unknown>;
  spellOutPublic(json);
  const signed = await withIntegrityProof(json, keys.privateKey, KEY_ID, "2026-12-01T10:00:02Z");
  const multikey = await new Multikey({ id: KEY_ID, controller: new URL(GROUP), publicKey: keys.publicKey }).toJsonLd({ contextLoader });
  const documentLoader = async (url: string) => {
    if (url === KEY_ID.href || url === GROUP) return { contextUrl: null, documentUrl: url, document: multikey };
    return contextLoader(url);
  };
  return { signed, documentLoader };
}

describe("an Announce prepared by Praxis", () => {
  it("carries an eddsa-jcs-2022 proof that Fedify's verifyObject accepts, attributed to the community", async () => {
    const { signed, documentLoader } = await signedAnnounce();
    expect(signed.proof).toMatchObject({ type: "DataIntegrityProof", cryptosuite: "eddsa-jcs-2022", verificationMethod: KEY_ID.href, proofPurpose: "assertionMethod" });
    const verified = await verifyObject(Announce, signed, { contextLoader, documentLoader });
    expect(verified?.id?.href).toBe(`${GROUP}/activities/1`);
    expect(verified?.actorId?.href).toBe(GROUP);
  });

  it("fails Fedify's verification once anything it covers is changed", async () => {
    const { signed, documentLoader } = await signedAnnounce();
    const object = structuredClone(signed.object) as { object: { content: string } };
    object.object.content = "<p>Something else</p>";
    expect(await verifyObject(Announce, { ...signed, object }, { contextLoader, documentLoader })).toBeNull();
    expect(await verifyObject(Announce, { ...signed, published: "2026-12-02T00:00:00Z" }, { contextLoader, documentLoader })).toBeNull();
  });

  it("names the public audience by its full IRI, in the activity and what it embeds, and has no Linked Data signature", async () => {
    const { signed } = await signedAnnounce();
    expect(signed.to).toBe("https://www.w3.org/ns/activitystreams#Public");
    const create = signed.object as { to: unknown; object: { to: unknown } };
    expect(create.to).toBe("https://www.w3.org/ns/activitystreams#Public");
    expect(create.object.to).toBe("https://www.w3.org/ns/activitystreams#Public");
    expect(signed.signature).toBeUndefined();
    expect(JSON.stringify(signed)).not.toContain("\"as:Public\"");
  });
});

describe("a plain Announce written by Praxis", () => {
  const build = (object: URL | Create, published: string, closed: boolean) => new Announce({
    id: new URL(`${GROUP}/activities/${crypto.randomUUID()}`), actor: new URL(GROUP), object, published: instant(published),
    ...(closed ? { to: new URL(`${GROUP}/followers`) } : { to: PUBLIC_COLLECTION, cc: new URL(`${GROUP}/followers`) }),
  });

  const jsonld = jsonldModule as unknown as { expand(doc: unknown, options: { documentLoader: unknown }): Promise<unknown> };
  const expand = (json: unknown) => jsonld.expand(json, { documentLoader: contextLoader });

  it("means what Fedify's compact form says, for boosts and Announce(Create), open and closed communities, under the smaller context", async () => {
    const create = await Create.fromJsonLd(mastodonCreate, { contextLoader, documentLoader: contextLoader });
    for (const closed of [false, true]) {
      for (const published of ["2026-12-01T10:00:01Z", "2026-12-01T10:00:01.234Z"]) {
        for (const object of [new URL(mastodonCreate.object.id), create]) {
          const fedify = await serialise({ contextLoader }, build(object, published, closed));
          const announce = build(object, published, closed);
          const praxis = await serialise({ contextLoader }, plainAnnounce(announce));
          spellOutPublic(fedify);
          spellOutPublic(praxis);
          expect(praxis["@context"]).toEqual(ANNOUNCE_CONTEXT);
          // The same members, written the same way (an embedded Create keeps its own context)...
          const { "@context": _ours, ...members } = praxis;
          const { "@context": _fedify, ...fedifyMembers } = fedify;
          expect(members).toEqual({ ...fedifyMembers, id: announce.id!.href });
          // ...and the same JSON-LD once a JSON-LD reader expands it.
          expect(await expand(praxis)).toEqual(await expand({ ...fedify, id: announce.id!.href }));
        }
      }
    }
  });

  it("carries a proof Fedify's verifyObject accepts, under the smaller context", async () => {
    const keys = await generateCryptoKeyPair("Ed25519");
    const create = await Create.fromJsonLd(mastodonCreate, { contextLoader, documentLoader: contextLoader });
    const multikey = await new Multikey({ id: KEY_ID, controller: new URL(GROUP), publicKey: keys.publicKey }).toJsonLd({ contextLoader });
    const documentLoader = async (url: string) => {
      if (url === KEY_ID.href || url === GROUP) return { contextUrl: null, documentUrl: url, document: multikey };
      return contextLoader(url);
    };
    for (const object of [new URL(mastodonCreate.object.id), create]) {
      const json = await serialise({ contextLoader }, plainAnnounce(build(object, "2026-12-01T10:00:01Z", false)));
      spellOutPublic(json);
      const signed = await withIntegrityProof(json, keys.privateKey, KEY_ID, "2026-12-01T10:00:02Z");
      const verified = await verifyObject(Announce, signed, { contextLoader, documentLoader });
      expect(verified?.actorId?.href).toBe(GROUP);
      expect(verified?.objectId?.href).toBe(object instanceof URL ? object.href : mastodonCreate.id);
      expect(await verifyObject(Announce, { ...signed, cc: [] }, { contextLoader, documentLoader })).toBeNull();
    }
  });
});
