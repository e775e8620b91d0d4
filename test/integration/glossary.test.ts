// The shared glossary over real signed HTTP, on three Praxis servers
// linked world (server 1) ⊃ france (server 2) ⊃ lyon (server 3): a
// definition made on server 1 is served as a Note/DefinedTerm, reaches a
// Fedify follower as Create, is inherited by the grandchild on server 3
// (attributed to world, not to france) and refined there; a change reaches
// france at once (pushed along its followed link) and lyon within its cache
// period; a removal reaches the follower as Delete; a closed community's
// glossary answers members only. Also the admin API's 400/404 answers.
import path from "node:path";
import { signRequest } from "@fedify/fedify";
import { Note } from "@fedify/vocab";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount, createToken } from "../../src/operations/accounts.ts";
import { createCommunity } from "../../src/operations/communities.ts";
import { defineTerm, listTerms, removeTerm, type TermView } from "../../src/operations/glossary.ts";
import { approveMember } from "../../src/operations/members.ts";
import { sleep, waitFor } from "../support/net.ts";
import { approveLink, inviteChild, listRequests, requestParent } from "../../src/operations/links.ts";
import { community, type Place, TEST_ACTOR } from "../support/network.ts";
import { type Peer, startPeer } from "../support/peer.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";
import { AS_CONTEXT, type RawActor, type RawHost, startRawHost } from "../support/raw-host.ts";
import { type CliRun, runPraxis } from "../support/cli.ts";

const AP = "application/activity+json";

/** Runs the `praxis` CLI on a test server's configuration and database, as an operator would next to it. */
function cli(server: TestPraxis, ...args: string[]): Promise<CliRun> {
  const env = {
    ...process.env, PRAXIS_CONFIG: "", PRAXIS_ORIGIN: server.origin, PRAXIS_DATA_DIR: server.dataDir,
    PRAXIS_ALLOW_PRIVATE_ADDRESS: "true", PRAXIS_LOG_LEVEL: "warning", PRAXIS_GLOSSARY_CACHE_SECONDS: "0",
  };
  return runPraxis(env, args);
}
/** lyon's (server 3) cache period: a change on server 1 must reach it within this. */
const CACHE_SECONDS = 2;
/** Bound of every wait: the machine running the tests may be loaded. */
const WAIT = 40_000;

const servers: TestPraxis[] = [];
let world: Place, france: Place, lyon: Place;
let peer: Peer;
let rawHost: RawHost;

async function apGet(url: string, signer?: RawActor): Promise<Response> {
  let request = new Request(url, { headers: { Accept: AP } });
  if (signer) request = await signRequest(request, signer.privateKey, new URL(signer.keyId), { spec: "draft-cavage-http-signatures-12" });
  return fetch(request);
}

/** Links child ⊂ parent through the real handshake (as support/network.ts link(), with waits for a loaded machine). */
async function link(parent: Place, child: Place, how: "request" | "invite"): Promise<void> {
  const [asker, approver] = how === "request" ? [child, parent] : [parent, child];
  if (how === "request") await requestParent(child.server, child.slug, parent.uri, TEST_ACTOR);
  else await inviteChild(parent.server, parent.slug, child.uri, TEST_ACTOR);
  const request = await waitFor(async () => (await listRequests(approver.server, approver.slug))
    .find((r) => r.peer === asker.uri && r.status === "incoming"), `${approver.slug} to receive the link request`, 45_000);
  await approveLink(approver.server, approver.slug, request.id, TEST_ACTOR);
  const status = async (p: Place, peer: Place) => {
    const c = await p.server.services.repos.communities.findBySlug(p.slug);
    return (await p.server.services.repos.links.get(c!.id, peer.uri))?.status ?? null;
  };
  await waitFor(async () => (await status(parent, child)) === "active" && (await status(child, parent)) === "active",
    `${child.slug} ⊂ ${parent.slug} to be active on both sides`, 45_000);
}

const find = (rows: TermView[], key: string, community: string) => rows.find((r) => r.key === key && r.community === community);

beforeAll(async () => {
  const start = async (cacheSeconds: number) => {
    const s = await startPraxis({ network: { maxDepth: 4 }, glossary: { cacheSeconds } });
    servers.push(s);
    return s;
  };
  // france's cache outlives the test: what it learns of world's changes, it learns from world's push.
  const [s1, s2, s3] = [await start(CACHE_SECONDS), await start(3600), await start(CACHE_SECONDS)];
  peer = await startPeer({ users: ["alice"] });
  rawHost = await startRawHost("127.0.0.3");
  world = await community(s1, "world", { scale: "international" });
  france = await community(s2, "france", { scale: "national" });
  lyon = await community(s3, "lyon");
  await link(world, france, "request");
  await link(france, lyon, "invite");
  await peer.follow("alice", world.uri);
  await waitFor(() => peer.receivedOf("Accept", (r) => r.actor === world.uri)[0], "alice's Accept from world", WAIT);
  // france follows world (it subscribed when the link was made): wait until world counts it.
  await waitFor(async () => {
    const c = await s1.services.repos.communities.findBySlug("world");
    return (await s1.services.repos.memberships.status(c!.id, france.uri)) === "accepted";
  }, "france to follow world", WAIT);
}, 240_000);

afterAll(async () => {
  await peer?.stop();
  await rawHost?.stop();
  for (const s of servers) await s.stop();
});

describe("a definition across three servers", { timeout: 120_000 }, () => {
  it("is served in the Group's glossary collection as a Note Mastodon can show, with Praxis terms", async () => {
    const { entry } = await defineTerm(world.server, "world", "Best  Practice", {
      definition: "A way of working the network has seen succeed, twice & more < often.", language: "en", source: "https://example.org/bp",
    }, "test");
    expect(entry).toMatchObject({ term: "Best Practice", key: "best practice", version: 1, inherited: false, community: world.uri });

    const group = await (await apGet(world.uri)).json();
    expect(group.glossary).toBe(`${world.uri}/glossary`);
    const collection = await (await apGet(group.glossary)).json();
    expect(collection.type).toBe("OrderedCollection");
    const item = collection.orderedItems[0];
    expect(item).toMatchObject({
      type: ["Note", "DefinedTerm"], name: "Best Practice", term: "Best Practice", version: 1, inLanguage: "en",
      attributedTo: world.uri, citation: "https://example.org/bp",
    });
    expect(item.content).toBe("<p><b>Best Practice</b>: A way of working the network has seen succeed, twice &amp; more &lt; often.</p>"
      + "<p><a href=\"https://example.org/bp\" rel=\"nofollow noopener noreferrer\">https://example.org/bp</a></p>");
    expect(JSON.stringify(collection["@context"])).toContain("https://w3id.org/praxis/ns#");
    // Fedify reads it as a Note (DefinedTerm as an additional type does not get in the way).
    const note = await Note.fromJsonLd({ "@context": collection["@context"], ...item });
    expect(note.name?.toString()).toBe("Best Practice");
    // Its id dereferences to the same object; a browser is sent to its place on the page.
    const one = await (await apGet(item.id)).json();
    expect(one).toMatchObject({ id: item.id, term: "Best Practice", version: 1 });
    const page = await fetch(item.id, { redirect: "manual", headers: { Accept: "text/html" } });
    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toBe("/c/world/glossary#term-en-best-practice");
  });

  it("reaches a Fedify follower as Create of the Note", async () => {
    const create = await waitFor(() => peer.receivedOf("Create", (r) => r.actor === world.uri)[0], "alice to receive the Create", WAIT);
    expect(create.json.object).toMatchObject({ type: ["Note", "DefinedTerm"], name: "Best Practice", term: "Best Practice", version: 1 });
    expect(create.json.object.content).toContain("<b>Best Practice</b>");
  });

  it("is inherited by the grandchild on server 3, attributed to world, and refined there with both visible, local first", async () => {
    await defineTerm(france.server, "france", "Guild", { definition: "A group of practitioners of one craft." }, "test");
    const inherited = await listTerms(lyon.server, "lyon");
    expect(find(inherited, "best practice", world.uri)).toMatchObject({
      term: "Best Practice", version: 1, language: "en", inherited: true, distance: 2, communityName: "World",
    });
    expect(find(inherited, "guild", france.uri)).toMatchObject({ inherited: true, distance: 1 });
    // Only world speaks for world's definitions: nothing is re-attributed to france.
    expect(inherited.filter((r) => r.key === "best practice").map((r) => r.community)).toEqual([world.uri]);

    await defineTerm(lyon.server, "lyon", "best practice", { definition: "What our neighbourhood group keeps doing." }, "test");
    const refined = (await listTerms(lyon.server, "lyon")).filter((r) => r.key === "best practice");
    expect(refined.map((r) => [r.community, r.inherited, r.refines, r.refined])).toEqual([
      [lyon.uri, false, true, false],
      [world.uri, true, false, true],
    ]);

    const html = await (await fetch(`${lyon.uri}/glossary`, { headers: { Accept: "text/html" } })).text();
    const ours = html.indexOf("What our neighbourhood group keeps doing.");
    const theirs = html.indexOf("A way of working the network has seen succeed, twice &amp; more &lt; often.");
    expect(ours).toBeGreaterThan(0);
    expect(theirs).toBeGreaterThan(ours);
    expect(html).toContain(`href="${world.uri}"`);
    const fr = await (await fetch(`${lyon.uri}/glossary?lang=fr`, { headers: { Accept: "text/html" } })).text();
    expect(fr).toContain("Glossaire de Lyon");
  });

  it("carries a change on server 1 to france at once (pushed) and to lyon within the cache period", async () => {
    expect(find(await listTerms(france.server, "france"), "best practice", world.uri)?.version).toBe(1);
    const changedAt = Date.now();
    const { entry } = await defineTerm(world.server, "world", "best practice", { definition: "A way of working that keeps succeeding.", language: "en" }, "test");
    expect(entry.version).toBe(2);
    await waitFor(() => peer.receivedOf("Update", (r) => r.actor === world.uri && r.json.object?.version === 2)[0], "alice to receive the Update", WAIT);
    // france's cache is an hour long: only world's Update can have told it.
    await waitFor(async () => find(await listTerms(france.server, "france"), "best practice", world.uri)?.version === 2,
      "france to apply world's pushed Update", WAIT);
    // lyon follows only france, so world's push does not reach it: once its cache period has
    // passed since the change, its next read has world's new version.
    const wait = CACHE_SECONDS * 1000 - (Date.now() - changedAt);
    if (wait > 0) await sleep(wait + 50);
    const lyonView = find(await listTerms(lyon.server, "lyon"), "best practice", world.uri)!;
    expect(lyonView.version).toBe(2);
    expect(lyonView.definition).toBe("A way of working that keeps succeeding.");
  });

  it("sends Delete when a term is removed, and the inheriting communities drop it", async () => {
    await defineTerm(world.server, "world", "Fractal", { definition: "Alike at every scale.", language: "en" }, "test");
    await waitFor(async () => find(await listTerms(france.server, "france"), "fractal", world.uri), "france to learn of Fractal", WAIT);
    await removeTerm(world.server, "world", "FRACTAL", {}, "test");
    const del = await waitFor(() => peer.receivedOf("Delete", (r) => r.actor === world.uri)[0], "alice to receive the Delete", WAIT);
    expect(String(del.json.object?.id ?? del.json.object)).toMatch(new RegExp(`^${world.uri}/glossary/`));
    await waitFor(async () => !find(await listTerms(france.server, "france"), "fractal", world.uri), "france to drop Fractal", WAIT);
  });
});

describe("the praxis term commands", { timeout: 120_000 }, () => {
  it("list the inherited definitions with their origin, as JSON, from the grandchild's server", async () => {
    const r = await cli(lyon.server, "term", "list", "lyon", "--json");
    expect(r.code, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as TermView[];
    const bp = rows.filter((e) => e.key === "best practice");
    expect(bp.map((e) => [e.community, e.inherited])).toEqual([[lyon.uri, false], [world.uri, true]]);
    for (const e of rows) for (const field of ["term", "definition", "language", "version", "community", "inherited"]) expect(e).toHaveProperty(field);
    const en = JSON.parse((await cli(lyon.server, "term", "list", "lyon", "--language", "en", "--json")).stdout) as TermView[];
    expect(en.every((e) => e.language === "en")).toBe(true);
  }, 120_000);

  it("define, revise, show the history and remove, with exit codes 3 (unknown) and 2 (invalid, naming the field)", async () => {
    const s = world.server;
    const defined = await cli(s, "term", "define", "world", "Peer  Review", "--definition", "Reading each other's work.", "--language", "en");
    expect(defined.code, defined.stderr).toBe(0);
    expect(defined.stdout).toMatch(/Defined "Peer Review" \(en\), version 1/);
    await defineTerm(s, "world", "peer review", { definition: "Reading and answering each other's work.", language: "en" }, "test");
    const history = JSON.parse((await cli(s, "term", "history", "world", "PEER REVIEW", "--json")).stdout);
    expect(history.map((v: any) => v.version)).toEqual([1, 2]);

    const failures: [string[], number, RegExp][] = [
      [["term", "define", "nowhere", "T", "--definition", "x"], 3, /No community "nowhere"/],
      [["term", "history", "world", "Unknown term"], 3, /No term "Unknown term"/],
      [["term", "define", "world", "  ", "--definition", "x"], 2, /term: must not be empty/],
      [["term", "define", "world", "T", "--definition", "x".repeat(5001)], 2, /definition: at most/],
      [["term", "define", "world", "T", "--definition", "x", "--language", "de"], 2, /language:/],
      [["term", "define", "world", "T", "--definition", "x", "--source", "ftp://example.org/"], 2, /source:/],
    ];
    const results = await Promise.all(failures.map(([args]) => cli(s, ...args)));
    for (const [i, [args, code, pattern]] of failures.entries()) {
      expect(results[i].code, `${args.join(" ")}: ${results[i].stderr}`).toBe(code);
      expect(results[i].stderr).toMatch(pattern);
    }
    const removed = await cli(s, "term", "remove", "world", "Peer Review");
    expect(removed.code, removed.stderr).toBe(0);
    expect(await s.services.repos.glossary.findAll((await s.services.repos.communities.findBySlug("world"))!.id, "peer review")).toEqual([]);
  }, 300_000);
});

describe("a closed community's glossary", { timeout: 120_000 }, () => {
  let member: RawActor;
  let stranger: RawActor;
  let closedUri: string;

  beforeAll(async () => {
    const s = servers[0];
    await createCommunity(s, "council", { name: "Council", closed: true });
    closedUri = `${s.origin}/c/council`;
    await defineTerm(s, "council", "Quorum", { definition: "Secret: seven members.", language: "en" }, "test");
    member = await rawHost.actor("mia");
    stranger = await rawHost.actor("tom");
    const follow = { "@context": AS_CONTEXT, id: rawHost.newId("follows"), type: "Follow", actor: member.id, object: closedUri };
    expect((await rawHost.send(`${closedUri}/inbox`, follow, member)).status).toBe(202);
    await waitFor(async () => {
      const c = await s.services.repos.communities.findBySlug("council");
      return (await s.services.repos.memberships.status(c!.id, member.id)) === "pending";
    }, "mia's join request", WAIT);
    await approveMember(s, "council", member.id);
  });

  it("is not readable by a non-member, signed or not, nor shown on the page", async () => {
    const group = await (await apGet(closedUri)).json();
    expect(group.glossary).toBe(`${closedUri}/glossary`);
    for (const signer of [undefined, stranger]) {
      const r = await apGet(group.glossary, signer);
      expect(r.status).toBe(401);
      expect(await r.text()).not.toContain("seven");
    }
    const html = await (await fetch(group.glossary, { headers: { Accept: "text/html" } })).text();
    expect(html).not.toContain("seven");
    expect(html).toContain("closed");
  });

  it("is readable by a member's signed fetch, privately cached", async () => {
    const r = await apGet(`${closedUri}/glossary`, member);
    expect(r.status).toBe(200);
    expect(r.headers.get("cache-control")).toBe("private");
    const body = await r.json();
    expect(body.orderedItems[0]).toMatchObject({ term: "Quorum", to: [`${closedUri}/followers`] });
  });
});

describe("a chain of closed communities", { timeout: 120_000 }, () => {
  let guild: Place, guildFr: Place, guildLyon: Place;

  beforeAll(async () => {
    guild = await community(servers[0], "guild", { closed: true });
    guildFr = await community(servers[1], "guildfr", { closed: true });
    guildLyon = await community(servers[2], "guildlyon", { closed: true });
    await link(guild, guildFr, "request");
    await link(guildFr, guildLyon, "request");
  }, 240_000);

  it("lets the closed grandchild inherit the closed grandparent's definitions, and refuses other Groups", async () => {
    await defineTerm(guild.server, "guild", "Apprentice", { definition: "Someone learning the craft from the guild.", language: "en" }, "test");
    const rows = await listTerms(guildLyon.server, "guildlyon");
    expect(find(rows, "apprentice", guild.uri)).toMatchObject({ inherited: true, distance: 2, version: 1 });
    // A Group that is no descendant of the guild gets nothing, even signed.
    const outsider = await rawHost.actor("outsiders", { type: "Group", manuallyApprovesFollowers: true });
    expect((await apGet(`${guild.uri}/glossary`, outsider)).status).toBe(401);
  });
});

describe("the admin API", { timeout: 120_000 }, () => {
  let token: string;
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${servers[0].origin}/api/v1/admin${path}`, {
      method, headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: await res.json() as any };
  };

  beforeAll(async () => {
    await createAccount(servers[0], { username: "root", role: "operator", password: "operator password 1" }, "test");
    token = (await createToken(servers[0], "root", "glossary test", "test")).token;
  });

  it("defines (201), revises (200) and lists with the inherited flag and origin", async () => {
    const created = await api("POST", "/communities/world/glossary", { term: "Commons", definition: "Shared resources.", language: "fr" });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ term: "Commons", language: "fr", version: 1, inherited: false, community: world.uri });
    const revised = await api("POST", "/communities/world/glossary", { term: "commons", definition: "Resources held in common.", language: "fr" });
    expect(revised.status).toBe(200);
    expect(revised.json.version).toBe(2);
    const history = await api("GET", "/communities/world/glossary/Commons/history");
    expect(history.json.versions.map((v: any) => [v.version, v.definition])).toEqual([[1, "Shared resources."], [2, "Resources held in common."]]);
    const list = await api("GET", "/communities/world/glossary?language=fr");
    expect(list.json.terms.map((t: any) => [t.term, t.version, t.inherited])).toEqual([["commons", 2, false]]);
  });

  it("answers 400 naming the field, and 404 for an unknown community or term", async () => {
    const bad = [
      [{ term: "", definition: "x" }, "term"],
      [{ term: "x".repeat(201), definition: "x" }, "term"],
      [{ term: "T", definition: "   " }, "definition"],
      [{ term: "T", definition: "x".repeat(5001) }, "definition"],
      [{ term: "T" }, "definition"],
      [{ term: "T", definition: "x", language: "de" }, "language"],
      [{ term: "T", definition: "x", source: "javascript:alert(1)" }, "source"],
      [{ term: "T", definition: "x", source: "not a url" }, "source"],
    ] as const;
    for (const [body, field] of bad) {
      const r = await api("POST", "/communities/world/glossary", body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.field).toBe(field);
    }
    expect((await api("GET", "/communities/world/glossary?language=xx")).json.field).toBe("language");
    expect((await api("POST", "/communities/nowhere/glossary", { term: "T", definition: "x" })).status).toBe(404);
    expect((await api("GET", "/communities/nowhere/glossary")).status).toBe(404);
    expect((await api("GET", "/communities/world/glossary/Unknown/history")).status).toBe(404);
    expect((await api("DELETE", "/communities/world/glossary/Unknown")).status).toBe(404);
    const removed = await api("DELETE", "/communities/world/glossary/COMMONS");
    expect(removed).toEqual({ status: 200, json: { removed: 1 } });
    expect((await fetch(`${world.uri}/glossary/does-not-exist`, { headers: { Accept: AP } })).status).toBe(404);
    expect((await fetch(`${servers[0].origin}/c/nowhere/glossary`, { headers: { Accept: AP } })).status).toBe(404);
  });
});
