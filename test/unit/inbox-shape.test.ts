// The direct inbox path's shape check (src/federation/inbox-shape.ts) held to
// Fedify's parser: every activity it calls plain — among the hostile suite's
// generated mutations of real payloads, the project's payload fixtures and a
// few hand-made aliasing tricks — Fedify parses, to the same id and exactly
// the one actor the JSON names. Those it refuses go to Fedify's handler.
import { preloadedContexts } from "@fedify/fedify";
import { Activity } from "@fedify/vocab";
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { plainActivityProblem } from "../../src/federation/inbox-shape.ts";
import { actorsOf } from "../../src/federation/signer.ts";
import { generateCases, type World } from "../hostile/support/generator.ts";
import { fixture } from "../support/fixtures.ts";

/** Only what Fedify preloads: a plain activity needs nothing else. */
const contextLoader = async (url: string) => {
  if (!Object.hasOwn(preloadedContexts, url)) throw new Error(`not preloaded: ${url}`);
  return { contextUrl: null, documentUrl: url, document: preloadedContexts[url] };
};

async function fedifyReads(json: unknown): Promise<{ id: string | undefined; actors: string[] } | Error> {
  try {
    const activity = await Activity.fromJsonLd(json, { documentLoader: contextLoader, contextLoader });
    return { id: activity.id?.href, actors: actorsOf(activity) };
  } catch (error) {
    return error as Error;
  }
}

const member = (host: string, name: string) => ({
  id: `https://${host}/users/${name}`, followers: `https://${host}/users/${name}/followers`, origin: `https://${host}`, publicKeyPem: "",
});
const world: World = {
  praxisOrigin: "https://praxis.test", group: "https://praxis.test/c/makers", groupFollowers: "https://praxis.test/c/makers/followers",
  post: "https://members.test/users/alice/statuses/1", victim: "https://others.test/users/carol", victimPost: "https://others.test/users/carol/statuses/1",
  member: member("members.test", "alice"), guild: member("members.test", "guild"), now: new Date().toISOString(),
  contexts: "https://contexts.test", refused: "https://refused.test",
};

const MASTODON_CONTEXT = ["https://www.w3.org/ns/activitystreams", {
  ostatus: "http://ostatus.org#", atomUri: "ostatus:atomUri", inReplyToAtomUri: "ostatus:inReplyToAtomUri", conversation: "ostatus:conversation",
  sensitive: "as:sensitive", toot: "http://joinmastodon.org/ns#", votersCount: "toot:votersCount", Hashtag: "as:Hashtag", Emoji: "toot:Emoji",
  blurhash: "toot:blurhash", focalPoint: { "@container": "@list", "@id": "toot:focalPoint" },
}];

function mastodonCreate(context: unknown = MASTODON_CONTEXT, extra: Record<string, unknown> = {}) {
  const actor = "https://mastodon.test/users/alice";
  const note = `${actor}/statuses/1`;
  return {
    "@context": context, id: `${note}/activity`, type: "Create", actor, published: "2026-12-01T10:00:00Z",
    to: ["https://www.w3.org/ns/activitystreams#Public"], cc: [`${actor}/followers`, "https://praxis.test/c/makers"],
    object: {
      id: note, type: "Note", summary: null, inReplyTo: null, published: "2026-12-01T10:00:00Z", url: "https://mastodon.test/@alice/1",
      attributedTo: actor, to: ["https://www.w3.org/ns/activitystreams#Public"], cc: [`${actor}/followers`], sensitive: false,
      atomUri: note, inReplyToAtomUri: null, conversation: "tag:mastodon.test,2026-12-01:objectId=1:objectType=Conversation",
      content: "<p>Hello <a href=\"https://praxis.test/c/makers\">@makers</a> #compost</p>", contentMap: { en: "<p>Hello</p>" },
      attachment: [{ type: "Document", mediaType: "image/png", url: "https://mastodon.test/media/1.png", name: null, blurhash: "UAB", focalPoint: [0, 0], width: 10, height: 10 }],
      tag: [{ type: "Mention", href: "https://praxis.test/c/makers", name: "@makers@praxis.test" }, { type: "Hashtag", href: "https://mastodon.test/tags/compost", name: "#compost" }],
      replies: { id: `${note}/replies`, type: "Collection", first: { type: "CollectionPage", next: `${note}/replies?page=true`, partOf: `${note}/replies`, items: [] } },
      ...extra,
    },
  };
}

describe("the direct inbox path's shape check", () => {
  it("calls a Mastodon post plain, and Fedify reads it with that id and actor", async () => {
    const json = mastodonCreate();
    expect(plainActivityProblem(json)).toBeNull();
    expect(await fedifyReads(json)).toEqual({ id: json.id, actors: [json.actor] });
  });

  it("refuses contexts and keys that would make the JSON mean something else", async () => {
    const alias = (context: Record<string, unknown>) => plainActivityProblem(mastodonCreate(["https://www.w3.org/ns/activitystreams", context]));
    expect(alias({ by: "as:actor" })).not.toBeNull();
    expect(alias({ by: { "@id": "https://www.w3.org/ns/activitystreams#actor", "@type": "@id" } })).not.toBeNull();
    expect(alias({ actor: "https://evil.test/ns#actor" })).not.toBeNull();
    expect(alias({ as: "https://evil.test/ns#" })).not.toBeNull();
    // A prefix from an earlier context makes a later term an alias of actor.
    const split = {
      "@context": ["https://www.w3.org/ns/activitystreams", { w3: "https://www.w3.org/ns/" }, { by: { "@id": "w3:activitystreams#actor", "@type": "@id" } }],
      id: "https://mastodon.test/users/alice/statuses/2/activity", type: "Create", actor: "https://mastodon.test/users/alice",
      by: "https://evil.test/users/mallory",
      object: { id: "https://mastodon.test/users/alice/statuses/2", type: "Note", attributedTo: "https://mastodon.test/users/alice", content: "<p>Hi</p>" },
    };
    // Without the alias, the same activity is plain.
    const { by: _by, ...unaliased } = { ...split, "@context": "https://www.w3.org/ns/activitystreams" };
    expect(plainActivityProblem(unaliased)).toBeNull();
    expect(plainActivityProblem(split)).not.toBeNull();
    expect(await fedifyReads(split)).toMatchObject({ actors: ["https://mastodon.test/users/alice", "https://evil.test/users/mallory"] });
    expect(alias({ "@vocab": "https://www.w3.org/ns/activitystreams#" })).not.toBeNull();
    expect(alias({ note: { "@id": "as:object", "@context": {} } })).not.toBeNull();
    expect(plainActivityProblem(mastodonCreate("https://contexts.test/other.jsonld"))).not.toBeNull();
    expect(plainActivityProblem({ ...mastodonCreate(), "as:actor": "https://evil.test/users/mallory" })).not.toBeNull();
    expect(plainActivityProblem(mastodonCreate(MASTODON_CONTEXT, { "@context": "https://www.w3.org/ns/activitystreams" }))).not.toBeNull();
    expect(plainActivityProblem(mastodonCreate(MASTODON_CONTEXT, { published: "yesterday" }))).not.toBeNull();
    expect(plainActivityProblem(mastodonCreate(MASTODON_CONTEXT, { sensitive: "yes" }))).not.toBeNull();
    expect(plainActivityProblem(mastodonCreate(MASTODON_CONTEXT, { type: "ChatMessage" }))).not.toBeNull();
    expect(plainActivityProblem(mastodonCreate(MASTODON_CONTEXT, { attributedTo: "/users/alice" }))).not.toBeNull();
  });

  it("calls plain only what Fedify parses to the same id and one actor: the hostile suite's cases and the payload fixtures", async () => {
    const corpus: unknown[] = generateCases(world, Number(process.env.SHAPE_SEED ?? 1)).map((c) => c.json).filter((json) => json !== null);
    const vars = new Proxy({}, { has: () => true, get: (_t, name) => `https://members.test/${String(name)}` });
    for (const file of readdirSync(new URL("../fixtures/payloads/", import.meta.url)).filter((f) => f.endsWith(".json"))) {
      corpus.push(fixture(file.replace(/\.json$/, ""), vars));
    }
    let plain = 0;
    for (const json of corpus) {
      if (plainActivityProblem(json) !== null) continue;
      plain++;
      const read = await fedifyReads(json);
      const { id, actor } = json as { id: string; actor: string };
      expect(read, JSON.stringify(json).slice(0, 400)).toEqual({ id, actors: [actor] });
    }
    // Most of the corpus is broken on purpose; what is left must still be exercised.
    if (process.env.SHAPE_SEED) console.log(`plain: ${plain} of ${corpus.length}`);
    expect(plain).toBeGreaterThan(100);
  }, 120_000);
});
