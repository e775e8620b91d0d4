// A community's network page (/c/<slug>/network): the verified tree of
// linked communities across servers as a diagram, and every community in it
// as a card with its handle, server, member count and the way to follow it.
import { t, tHtml } from "../i18n.ts";
import type { GraphNode, NetworkGraph } from "../network-graph.ts";
import { html, REMOTE_LINK_REL, type SafeHtml } from "../sanitize.ts";
import type { InstanceView, Lang } from "../views.ts";
import { renderFollowBox } from "./follow.ts";
import { communityAlternates, renderLayout } from "./layout.ts";
import { hrefOf, labelOf, renderDiagram } from "./network.ts";

export interface NetworkPageView {
  instance: InstanceView;
  community: { slug: string; name: string; url: string; handle: string };
  graph: NetworkGraph;
  url: URL;
  contentVisible: boolean;
}

function levelText(level: number, lang: Lang): string {
  if (level === 0) return t(lang, "networkPage.thisCommunity");
  return level < 0 ? t(lang, "networkPage.level", { count: -level }) : t(lang, "networkPage.levelBelow", { count: level });
}

function renderNode(node: GraphNode, center: string, lang: Lang, index: number): SafeHtml {
  const g = node.group;
  const name = labelOf(node.uri, g);
  const href = hrefOf(node.uri, g);
  const local = g?.local ?? false;
  let server = "";
  try {
    server = new URL(node.uri).host;
  } catch {
    server = node.uri;
  }
  const id = `node-${index}`;
  const link = href === null ? html`${name}` : local ? html`<a href="${href}">${name}</a>` : html`<a href="${href}" rel="${REMOTE_LINK_REL}">${name}</a>`;
  return html`<li aria-labelledby="${id}">
<h3 id="${id}">${link}</h3>
<p class="depth">${levelText(node.level, lang)}${g?.closed && html` · ${t(lang, "network.closed")}`}</p>
<dl class="kv">
${g?.handle && html`<dt>${t(lang, "networkPage.handle")}</dt><dd><code>${g.handle}</code></dd>`}
<dt>${t(lang, "networkPage.server")}</dt><dd>${server}</dd>
<dt>${t(lang, "networkPage.members")}</dt><dd>${g?.members ?? t(lang, "networkPage.unknownMembers")}</dd>
${g?.scale && html`<dt>${t(lang, "community.scale")}</dt><dd>${
    ["local", "regional", "national", "international"].includes(g.scale) ? t(lang, `scale.${g.scale as "local"}`) : g.scale}</dd>`}
</dl>
${node.uri !== center && href !== null && html`<p>${local ? html`<a href="${href}#follow-heading">${t(lang, "networkPage.follow", { name })}</a>`
    : html`<a href="${href}" rel="${REMOTE_LINK_REL}">${t(lang, "networkPage.follow", { name })}</a>`}</p>`}
</li>`;
}

export function renderNetworkPage(view: NetworkPageView, lang: Lang): string {
  const { instance, community, graph } = view;
  const title = t(lang, "networkPage.title", { name: community.name });
  const nodes = [...graph.nodes].sort((a, b) => a.level - b.level || a.index - b.index);
  const linked = graph.nodes.length > 1;
  const body = html`<h1>${title}</h1>
<p><a href="/c/${community.slug}">${t(lang, "networkPage.back", { name: community.name })}</a></p>
<p>${tHtml(lang, "networkPage.intro", { name: community.name })}</p>
${linked ? renderDiagram(graph, lang, community.name) : html`<p>${t(lang, "network.none")}</p>`}
<section aria-labelledby="node-list-heading">
<h2 id="node-list-heading">${t(lang, "networkPage.listHeading")}</h2>
<ul class="node-list">${nodes.map((n, i) => renderNode(n, graph.center, lang, i))}</ul>
</section>
${renderFollowBox({ action: `/c/${community.slug}/follow`, handle: community.handle, mode: "follow" }, lang)}`;
  return renderLayout({
    lang, title, instance, body, url: view.url, canonical: new URL(`/c/${community.slug}/network`, community.url).href,
    alternates: communityAlternates(community, lang, view.contentVisible),
  });
}
