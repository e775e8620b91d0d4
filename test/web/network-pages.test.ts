// The Network and From sub-communities sections of a community page, served
// by a real Praxis server from links, cached Groups and rolled-up posts put
// straight into its database (the handshake itself is tested in
// test/integration/network.test.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../support/net.ts";
import { community, type Place } from "../support/network.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";

const NATIONAL = "https://national.invalid/c/national";
const WORLD = "https://world.invalid/groups/world";
const FORGED = "https://forged.invalid/c/fake";
const RIVER = "https://river.invalid/c/river";
const ESTUARY = "https://estuary.invalid/c/estuary";
const ALICE = "https://social.invalid/users/alice";

let server: TestPraxis;
let far: TestPraxis;
let nurses: Place;
let ward: Place;
let lonely: Place;
let farGroup: Place;

async function activeLink(p: Place, peerUri: string, relation: "parent" | "child"): Promise<void> {
  const { repos } = p.server.services;
  const c = await repos.communities.findBySlug(p.slug);
  const link = await repos.links.put({ communityId: c!.id, peerUri, relation, status: "active", initiator: "local", requestUri: null });
  await repos.links.setStatus(link.id, "active", true);
}

function node(uri: string, name: string, parents: string[], children: string[], extra: { members?: number; scale?: string } = {}) {
  return {
    uri, handle: null, name, url: uri.replace("/c/", "/web/"), scale: extra.scale ?? "local", closed: false,
    members: extra.members ?? 3, parents, children,
  };
}

async function page(p: Place, lang = "en"): Promise<string> {
  const res = await fetch(`${p.uri}?lang=${lang}`, { headers: { Accept: "text/html" } });
  expect(res.status).toBe(200);
  const text = await res.text();
  return text.slice(text.indexOf("<main"), text.indexOf("</main>"));
}

function section(main: string, headingId: string): string {
  const start = main.indexOf(`<section aria-labelledby="${headingId}">`);
  expect(start, headingId).toBeGreaterThanOrEqual(0);
  return main.slice(start, main.indexOf("</section>", start));
}

beforeAll(async () => {
  server = await startPraxis({ network: { cacheSeconds: 86_400 } });
  far = await startPraxis();
  nurses = await community(server, "nurses", { scale: "regional" });
  ward = await community(server, "ward");
  lonely = await community(server, "lonely");
  farGroup = await community(far, "far", { scale: "national" });
  const { repos } = server.services;

  // nurses ⊂ national ⊂ world; national also claims a parent that does not list it.
  await activeLink(nurses, NATIONAL, "parent");
  await repos.networkNodes.put(node(NATIONAL, "National nurses", [WORLD, FORGED], [nurses.uri], { members: 120, scale: "national" }));
  await repos.networkNodes.put(node(WORLD, "World health", [], [NATIONAL], { scale: "international" }));
  await repos.networkNodes.put(node(FORGED, "Forged parent", [], []));
  // Sub-communities: a local one (ward, with its own remote child) and a remote one.
  await activeLink(nurses, ward.uri, "child");
  await activeLink(ward, nurses.uri, "parent");
  await activeLink(ward, ESTUARY, "child");
  await repos.networkNodes.put(node(ESTUARY, "Estuary clinic", [ward.uri], []));
  await activeLink(nurses, RIVER, "child");
  await repos.networkNodes.put(node(RIVER, "River <b>nurses</b>", [nurses.uri], [], { members: 1 }));

  const nursesId = (await repos.communities.findBySlug("nurses"))!.id;
  await repos.remoteActors.upsert({
    uri: ALICE, handle: "@alice@social.invalid", type: "Person", name: "Alice", inbox: null, sharedInbox: null, url: null, iconUrl: null,
  });
  const post = (n: number, content: string, viaUri = RIVER) => ({
    communityId: nursesId, objectUri: `https://social.invalid/objects/${n}`, viaUri, direction: "up" as const,
    authorUri: ALICE, name: null, content, url: `https://social.invalid/@alice/${n}`, tags: [], published: `2026-01-0${n}T10:00:00Z`,
  });
  await repos.networkPosts.insertIfAbsent(post(1, `<p>Night shift tips</p><img src=x onerror=alert(1)><script>alert(2)</script><a href="javascript:alert(3)">x</a>`));
  await repos.networkPosts.insertIfAbsent(post(2, `<p>Promoted handover checklist</p>`, ward.uri));
  await repos.networkPosts.insertIfAbsent(post(3, `<p>Withdrawn secret</p>`));
  await repos.networkPosts.markPromoted((await repos.networkPosts.find(nursesId, "https://social.invalid/objects/2"))!.id);
  await repos.networkPosts.markWithdrawn((await repos.networkPosts.find(nursesId, "https://social.invalid/objects/3"))!.id);
  // A parent elsewhere with nothing cached about it yet.
  await activeLink(lonely, farGroup.uri, "parent");
}, 30_000);

afterAll(async () => {
  await server?.stop();
  await far?.stop();
});

describe("Network section", () => {
  it("draws ancestors above and sub-communities below as an accessible SVG, with the same tree as a list", async () => {
    const network = section(await page(nurses), "network-heading");
    expect(network).toContain(`<h2 id="network-heading">Network</h2>`);
    const svg = network.slice(network.indexOf("<svg"), network.indexOf("</svg>"));
    expect(svg).toMatch(/role="img" aria-labelledby="net-title net-desc"/);
    expect(svg).toContain(`<title id="net-title">Nurses in the network of communities</title>`);
    expect(svg).toContain(`<desc id="net-desc">2 communities above it: National nurses, World health. 3 sub-communities below it:`);
    // Rows: world, national, nurses, then ward and river, then estuary.
    const y = (uri: string) => Number(svg.match(new RegExp(`data-uri="${uri}">[^]*?<rect x="[\\d.]+" y="([\\d.]+)"`))![1]);
    expect(y(WORLD)).toBeLessThan(y(NATIONAL));
    expect(y(NATIONAL)).toBeLessThan(y(nurses.uri));
    expect(y(ward.uri)).toBe(y(RIVER));
    expect(y(RIVER)).toBeGreaterThan(y(nurses.uri));
    expect(y(ESTUARY)).toBeGreaterThan(y(ward.uri));
    // The current community is highlighted and not a link; the others link to their pages.
    expect(svg).toContain(`<g class="net-node net-current" data-uri="${nurses.uri}"><title>Nurses</title>`);
    // An image has no links inside (role="img" hides them); the lists carry them.
    expect(svg).not.toContain("<a ");
    expect(svg).toContain(`120 members · National`);
    expect(svg.match(/class="net-edge"/g)).toHaveLength(5);
    // Remote names are escaped.
    expect(svg).toContain(`River &lt;b&gt;nurses&lt;/b&gt;`);
    expect(network).not.toContain("<b>nurses</b>");

    const list = network.slice(network.indexOf(`<div class="net-list">`));
    expect(list).toContain(`<h3>Part of</h3>`);
    expect(list).toMatch(/<li><a href="https:\/\/national\.invalid\/web\/national"[^>]*>National nurses<\/a> <span class="muted">\(120 members · National\)<\/span><ul><li><a [^>]*>World health<\/a>/);
    expect(list).toContain(`<h3>Sub-communities</h3>`);
    expect(list).toMatch(/>Ward<\/a>[^<]*<span class="muted">\([^)]*\)<\/span><ul><li><a href="https:\/\/estuary\.invalid\/web\/estuary"/);
  });

  it("does not draw a one-sided claim from the cache", async () => {
    const network = section(await page(nurses), "network-heading");
    expect(network).not.toContain(FORGED);
    expect(network).not.toContain("Forged parent");
  });

  it("is in French", async () => {
    const network = section(await page(nurses, "fr"), "network-heading");
    expect(network).toContain(`<h2 id="network-heading">Réseau</h2>`);
    expect(network).toContain(`Nurses dans le réseau des communautés`);
    expect(network).toContain(`2 communautés au-dessus\u00a0: National nurses, World health.`);
    expect(network).toContain(`<h3>Fait partie de</h3>`);
    expect(network).toContain(`<h3>Sous-communautés</h3>`);
    expect(network).toContain(`120 membres · National`);
  });

  it("says when a community has no links, and shows no sub-community section then", async () => {
    const main = await page(ward);
    expect(section(main, "network-heading")).toContain("Nurses");
    const alone = await page(await community(server, "alone"));
    expect(section(alone, "network-heading")).toContain("This community is not linked to other communities yet.");
    expect(alone).not.toContain("<svg");
    expect(alone).not.toContain("From sub-communities");
  });

  it("draws a linked Group it knows nothing about yet by its address, and refreshes it in the background", async () => {
    const first = section(await page(lonely), "network-heading");
    const host = new URL(far.origin).host;
    expect(first).toContain(`${host}/c/far`);
    expect(first).toContain("details not yet known");
    // The page answered without fetching; the cache fills in afterwards.
    await waitFor(async () => (await server.services.repos.networkNodes.get(farGroup.uri))?.name === "Far", "far to be cached");
    const second = section(await page(lonely), "network-heading");
    expect(second).toContain(">Far</tspan>");
    expect(second).toContain("National");
  });
});

describe("From sub-communities section", () => {
  it("lists rolled-up posts with provenance, author, original link and promotion, never withdrawn ones", async () => {
    const main = await page(nurses);
    const fromSub = section(main, "from-sub-heading");
    expect(fromSub).toContain(`<h2 id="from-sub-heading">From sub-communities</h2>`);
    expect(fromSub.match(/<article/g)).toHaveLength(2);
    expect(fromSub).toContain(`From <a href="https://river.invalid/web/river" rel="nofollow noopener noreferrer ugc">River &lt;b&gt;nurses&lt;/b&gt;</a>`);
    expect(fromSub).toContain(`From <a href="${ward.uri}" rel="nofollow noopener noreferrer ugc">Ward</a>`);
    expect(fromSub).toContain(`by <a href="${ALICE}" rel="nofollow noopener noreferrer ugc">Alice</a>`);
    expect(fromSub).toContain(`<a href="https://social.invalid/@alice/1" rel="nofollow noopener noreferrer ugc">View original</a>`);
    const articles = fromSub.split("<article").slice(1);
    const promoted = articles.find((a) => a.includes("Promoted handover checklist"))!;
    const plain = articles.find((a) => a.includes("Night shift tips"))!;
    expect(promoted).toContain(`<span class="badge">Promoted</span>`);
    expect(plain).not.toContain(`class="badge"`);
    expect(main).not.toContain("Withdrawn secret");
  });

  it("sanitises hostile HTML in rolled-up content", async () => {
    const fromSub = section(await page(nurses), "from-sub-heading");
    expect(fromSub).toContain("<p>Night shift tips</p>");
    expect(fromSub).not.toMatch(/<img|<script|onerror|javascript:/i);
  });

  it("is in French", async () => {
    const fromSub = section(await page(nurses, "fr"), "from-sub-heading");
    expect(fromSub).toContain(`<h2 id="from-sub-heading">Des sous-communautés</h2>`);
    expect(fromSub).toContain(`Depuis <a href="${ward.uri}"`);
    expect(fromSub).toContain(`par <a href="${ALICE}"`);
    expect(fromSub).toContain(`<span class="badge">Mise en avant</span>`);
    expect(fromSub).toContain(`Voir l’original`);
  });
});
