// The resource centre over real signed HTTP: a child community on server 1
// linked to a parent on server 2, and a Fedify peer whose users follow
// them. Adding a resource announces it and pins it (featured), an edit
// sends Update and keeps the history, the parent rolls it up and promotes
// it, removal sends Delete; hostile Markdown never comes through.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { promotePost } from "../../src/operations/links.ts";
import {
  addResource, listResources, removeResource, resourceHistory, updateResource,
} from "../../src/operations/resources.ts";
import { sleep, waitFor } from "../support/net.ts";
import { boostsOf, community, link, objectIdOf, type Place, TEST_ACTOR } from "../support/network.ts";
import { type Peer, startPeer } from "../support/peer.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";

const AP = { Accept: "application/activity+json" };
const servers: TestPraxis[] = [];
let peer: Peer;
let lyon: Place, france: Place;

async function getJson(url: string) {
  const res = await fetch(url, { headers: AP });
  return { status: res.status, json: res.status === 200 ? await res.json() : null };
}

const HOSTILE = [
  "# Peer review protocol",
  "",
  "Step one: **pair up**.",
  "",
  "<script>alert('x')</script>",
  "",
  "[click me](javascript:alert(1)) <img src=x onerror=alert(1)> <a href=\"javascript:alert(2)\">raw</a>",
].join("\n");

beforeAll(async () => {
  servers.push(await startPraxis(), await startPraxis());
  peer = await startPeer({ users: ["alice", "bob"] });
  lyon = await community(servers[0], "lyon");
  france = await community(servers[1], "france", { scale: "national" });
  await link(france, lyon, "request");
  await peer.follow("alice", lyon.uri);
  await peer.follow("bob", france.uri);
  await waitFor(() => peer.receivedOf("Accept", (r) => r.actor === lyon.uri).length > 0, "alice's Accept");
  await waitFor(() => peer.receivedOf("Accept", (r) => r.actor === france.uri).length > 0, "bob's Accept");
}, 60_000);

afterAll(async () => {
  await peer?.stop();
  for (const s of servers) await s.stop();
});

describe("an article resource", () => {
  let uri: string;
  let id: string;

  it("is announced to followers as an Article with sanitised HTML and its Markdown source", async () => {
    const r = await addResource(servers[0], "lyon", { title: "Peer review", markdown: HOSTILE, kind: "protocol", language: "en" }, TEST_ACTOR);
    uri = r.uri;
    id = r.id;
    expect(r.type).toBe("Article");
    expect(uri).toBe(`${lyon.uri}/resources/${r.id}`);
    const announce = await waitFor(() => peer.receivedOf("Announce", (a) => a.actor === lyon.uri && a.json.object?.type === "Create")
      .find((a) => objectIdOf(a.json.object) === uri), "the Announce(Create) of the resource");
    const article = announce.json.object.object;
    expect(article.type).toBe("Article");
    expect(article.attributedTo).toBe(lyon.uri);
    expect(article.audience).toBe(lyon.uri);
    expect(article.source).toEqual({ content: HOSTILE, mediaType: "text/markdown" });
    expect(article.content).toContain("<strong>pair up</strong>");
    expect(article.content).not.toMatch(/<script|javascript:|onerror|<img/i);
    // Mastodon-family followers get a boost of the object too.
    await waitFor(() => boostsOf(peer.received, uri).get(lyon.uri), "the boost of the resource");
  });

  it("is served by its id, addressed like the community's posts, and listed in featured and resources", async () => {
    const { json } = await getJson(uri);
    expect(json.type).toBe("Article");
    expect(json.name).toBe("Peer review");
    expect(["as:Public", "https://www.w3.org/ns/activitystreams#Public"]).toContain(json.to);
    expect(json.cc).toBe(`${lyon.uri}/followers`);
    expect(json.contentMap?.en).toContain("pair up");
    expect(json.resourceKind).toBe("protocol");
    expect(json.resourceVersion).toBe(1);
    expect(JSON.stringify(json["@context"])).toContain("https://w3id.org/praxis/ns#");

    const group = (await getJson(lyon.uri)).json;
    expect(group.resources).toBe(`${lyon.uri}/resources`);
    const featured = (await getJson(group.featured)).json;
    const featuredIds = (featured.orderedItems ?? featured.items ?? []).map((i: any) => (typeof i === "string" ? i : i.id));
    expect(featuredIds).toContain(uri);
    const collection = (await getJson(group.resources)).json;
    expect(collection.totalItems).toBe(1);
    // Mastodon learns the pin from Add(featured).
    await waitFor(() => peer.receivedOf("Add", (a) => a.actor === lyon.uri && objectIdOf(a.json) === uri)[0], "the Add to featured");
  });

  it("is rolled up by the parent on the other server and can be promoted there", async () => {
    const held = await waitFor(async () => {
      const c = await servers[1].services.repos.communities.findBySlug("france");
      return servers[1].services.repos.networkPosts.find(c!.id, uri);
    }, "France to roll up Lyon's resource");
    expect(held.direction).toBe("up");
    expect(held.name).toBe("Peer review");
    await promotePost(servers[1], "france", uri, TEST_ACTOR);
    await waitFor(() => boostsOf(peer.received.filter((r) => r.recipient === null || r.recipient.includes("/bob")), uri).get(france.uri),
      "France's boost of the promoted resource");
  });

  it("an edit stores a new version and sends Update; the history keeps both", async () => {
    const before = peer.receivedOf("Update").length;
    const updated = await updateResource(servers[0], "lyon", id.slice(0, 8), { title: "Peer review, revised", markdown: "# Revised\n\nNow in **three** steps." }, TEST_ACTOR);
    expect(updated.version).toBe(2);
    const update = await waitFor(() => peer.receivedOf("Update", (u) => u.actor === lyon.uri && objectIdOf(u.json) === uri)[0], "the Update");
    expect(peer.receivedOf("Update").length).toBeGreaterThan(before);
    expect(update.json.object.name).toBe("Peer review, revised");
    expect(update.json.object.content).toContain("<strong>three</strong>");
    const history = await resourceHistory(servers[0], "lyon", id);
    expect(history.map((v) => [v.version, v.title])).toEqual([[1, "Peer review"], [2, "Peer review, revised"]]);
    expect(history[0].markdown).toBe(HOSTILE);
    expect((await getJson(uri)).json.resourceVersion).toBe(2);
    // The parent's held copy follows the edit.
    await waitFor(async () => {
      const c = await servers[1].services.repos.communities.findBySlug("france");
      return (await servers[1].services.repos.networkPosts.find(c!.id, uri))?.name === "Peer review, revised";
    }, "France's copy to follow the edit");
  });

  it("has a page with its rendered HTML, kind, language and versions", async () => {
    const res = await fetch(uri, { headers: { Accept: "text/html" } });
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain("Peer review, revised");
    expect(page).toContain("<strong>three</strong>");
    expect(page).toMatch(/protocol/i);
    expect(page).not.toMatch(/<script>alert/);
    const community = await (await fetch(lyon.uri, { headers: { Accept: "text/html" } })).text();
    expect(community).toContain(uri);
  });

  it("removal sends Remove, Delete and withdraws it along the link", async () => {
    await removeResource(servers[0], "lyon", id, TEST_ACTOR);
    await waitFor(() => peer.receivedOf("Delete", (d) => d.actor === lyon.uri && objectIdOf(d.json) === uri)[0], "the Delete");
    await waitFor(() => peer.receivedOf("Remove", (d) => d.actor === lyon.uri && objectIdOf(d.json) === uri)[0], "the Remove from featured");
    expect([404, 410]).toContain((await getJson(uri)).status);
    const featured = (await getJson(`${lyon.uri}/featured`)).json;
    expect(JSON.stringify(featured)).not.toContain(uri);
    expect(await listResources(servers[0], "lyon")).toEqual([]);
    await waitFor(async () => {
      const c = await servers[1].services.repos.communities.findBySlug("france");
      return (await servers[1].services.repos.networkPosts.find(c!.id, uri))?.withdrawn_at;
    }, "France to withdraw the resource");
  });
});

describe("a link resource", () => {
  it("is a Document pointing at the URL, rolled up by the parent", async () => {
    const r = await addResource(servers[0], "lyon", { title: "Template library", url: "https://example.org/templates", kind: "template", language: "fr" }, TEST_ACTOR);
    expect(r.type).toBe("Document");
    expect(r.url).toBe("https://example.org/templates");
    const { json } = await getJson(r.uri);
    expect(json.type).toBe("Document");
    expect(r.uri).toBe(`${lyon.uri}/documents/${r.id}`);
    expect(json.url.href ?? json.url).toBe("https://example.org/templates");
    await waitFor(async () => {
      const c = await servers[1].services.repos.communities.findBySlug("france");
      return servers[1].services.repos.networkPosts.find(c!.id, r.uri);
    }, "France to roll up the link");
    // Listed in `resources`, not in `featured` (Lemmy refuses a featured collection with a Document).
    const resources = await getJson(`${lyon.uri}/resources`);
    expect(JSON.stringify(resources.json)).toContain(r.uri);
    expect(JSON.stringify((await getJson(`${lyon.uri}/featured`)).json)).not.toContain(r.uri);
  });

  it("refuses invalid input naming the field", async () => {
    await expect(addResource(servers[0], "lyon", { title: "x", url: "javascript:alert(1)" }, TEST_ACTOR)).rejects.toThrow(/^url:/);
    await expect(addResource(servers[0], "lyon", { title: "x", url: "ftp://example.org/" }, TEST_ACTOR)).rejects.toThrow(/^url:/);
    await expect(addResource(servers[0], "lyon", { title: "x", url: "https://example.org", kind: "poem" }, TEST_ACTOR)).rejects.toThrow(/^kind:/);
    await expect(addResource(servers[0], "lyon", { title: "x", url: "https://example.org", language: "de" }, TEST_ACTOR)).rejects.toThrow(/^language:/);
    await expect(addResource(servers[0], "lyon", { title: " ", url: "https://example.org" }, TEST_ACTOR)).rejects.toThrow(/^title:/);
    await expect(addResource(servers[0], "lyon", { title: "x" }, TEST_ACTOR)).rejects.toThrow(/^url:/);
    await expect(addResource(servers[0], "nowhere", { title: "x", url: "https://example.org" }, TEST_ACTOR)).rejects.toThrow(/No community/);
    await expect(updateResource(servers[0], "lyon", "00000000-0000-0000-0000-000000000000", { title: "y" }, TEST_ACTOR)).rejects.toThrow(/No resource/);
    await sleep(10);
  });
});

describe("in a closed community", () => {
  it("is addressed to the followers only and served to members only", async () => {
    const secret = await community(servers[0], "secret", { closed: true });
    const r = await addResource(servers[0], "secret", { title: "Internal notes", markdown: "Members only." }, TEST_ACTOR);
    const c = await servers[0].services.repos.communities.findBySlug("secret");
    const create = await waitFor(() => servers[0].services.repos.activities.find(c!.id, r.uri, "create"), "the Create's id");
    // The Create travels inside the community's Announce, recorded as sent.
    const announce = await waitFor(() => servers[0].services.repos.activities.find(c!.id, create.activityUri, "announce"), "the recorded Announce");
    const json = announce.json as any;
    expect(json.to).toBe(`${secret.uri}/followers`);
    expect(json.object.object.to).toBe(`${secret.uri}/followers`);
    expect(json.object.object.cc).toBeUndefined();
    expect(JSON.stringify(json)).not.toContain("#Public");
    const unsigned = await fetch(r.uri, { headers: AP });
    expect([401, 403]).toContain(unsigned.status);
    expect([401, 403]).toContain((await fetch(`${secret.uri}/featured`, { headers: AP })).status);
    expect((await fetch(r.uri, { headers: { Accept: "text/html" } })).status).toBe(403);
  });
});

describe("a resource of a sub-community on the same server", () => {
  it("can be promoted by its URI even if it was added before the link", async () => {
    await community(servers[1], "paris");
    const r = await addResource(servers[1], "paris", { title: "Paris toolkit", url: "https://example.org/paris", kind: "tool" }, TEST_ACTOR);
    const paris = { server: servers[1], slug: "paris", uri: `${servers[1].origin}/c/paris` };
    await link(france, paris, "request");
    await promotePost(servers[1], "france", r.uri, TEST_ACTOR);
    await waitFor(() => boostsOf(peer.received, r.uri).get(france.uri), "France's boost of Paris's resource");
    // Its own resources are not promoted: they were announced when added.
    const own = await addResource(servers[1], "france", { title: "National toolkit", url: "https://example.org/fr" }, TEST_ACTOR);
    await expect(promotePost(servers[1], "france", own.uri, TEST_ACTOR)).rejects.toThrow(/already announced|own post/);
  });
});
