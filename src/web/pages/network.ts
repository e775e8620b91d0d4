// The "Network" section of a community page: an inline SVG diagram of the
// community's ancestors (rows above) and sub-communities (rows below), and
// the same tree as nested lists, which is what screen readers and narrow
// screens use. No script: the SVG is drawn here, on the server.
import { formatDateTime, t, tHtml } from "../i18n.ts";
import type { GraphNode, KnownGroup, NetworkGraph, TreeItem } from "../network-graph.ts";
import { html, httpUrl, REMOTE_LINK_REL, sanitizeRemoteHtml, SafeHtml, type HtmlValue } from "../sanitize.ts";
import type { Lang, NetworkPostView } from "../views.ts";
import { langAttr, renderAttachments } from "./posts.ts";

const NODE_WIDTH = 184;
const NODE_HEIGHT = 66;
const GAP_X = 16;
const GAP_Y = 44;
const PADDING = 8;
/** Characters of a name that fit in a box at the diagram's font size. */
const NAME_CHARS = 22;
const META_CHARS = 28;

function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("").trimEnd()}…`;
}

/** A name on at most two lines that fit a box: words wrapped, the rest cut
 *  with an ellipsis (the full name is in the node's title and the lists). */
export function wrapName(text: string, max: number = NAME_CHARS): string[] {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let i = 0;
  while (i < words.length && lines.length < 2) {
    let line = truncate(words[i++], max);
    while (i < words.length && [...`${line} ${words[i]}`].length <= max) line = `${line} ${words[i++]}`;
    lines.push(line);
  }
  if (i < words.length && lines.length > 0) lines[lines.length - 1] = truncate(`${lines[lines.length - 1]} ${words.slice(i).join(" ")}`, max);
  return lines.length > 0 ? lines : [""];
}

/** What to call a Group: its name, else its handle, else its address. */
export function labelOf(uri: string, group: KnownGroup | null): string {
  const name = group?.name?.trim() || group?.handle;
  if (name) return name;
  try {
    const url = new URL(uri);
    return `${url.host}${url.pathname === "/" ? "" : url.pathname}`;
  } catch {
    return uri;
  }
}

/** Members and scale, e.g. "12 members · National". */
export function metaOf(group: KnownGroup | null, lang: Lang): string {
  if (!group) return t(lang, "network.notYetKnown");
  const parts: string[] = [];
  if (group.members !== null) parts.push(t(lang, "community.members", { count: group.members }));
  if (group.scale === "local" || group.scale === "regional" || group.scale === "national" || group.scale === "international") {
    parts.push(t(lang, `scale.${group.scale}`));
  } else if (group.scale) {
    parts.push(group.scale);
  }
  if (group.closed) parts.push(t(lang, "network.closed"));
  return parts.join(" · ");
}

export function hrefOf(uri: string, group: KnownGroup | null): string | null {
  return httpUrl(group?.url ?? null) ?? httpUrl(uri);
}

function relOf(group: KnownGroup | null): string | null {
  return group?.local ? null : REMOTE_LINK_REL;
}

interface Placed {
  node: GraphNode;
  x: number;
  y: number;
}

/** Rows from the top ancestors to the deepest sub-communities, each centred. */
function layout(graph: NetworkGraph): { placed: Map<string, Placed>; width: number; height: number } {
  const levels = [...new Set(graph.nodes.map((n) => n.level))].sort((a, b) => a - b);
  const rows = levels.map((level) => graph.nodes.filter((n) => n.level === level));
  const widest = Math.max(...rows.map((r) => r.length));
  const rowWidth = (n: number) => n * NODE_WIDTH + (n - 1) * GAP_X;
  const width = rowWidth(widest) + 2 * PADDING;
  const height = rows.length * NODE_HEIGHT + (rows.length - 1) * GAP_Y + 2 * PADDING;
  const placed = new Map<string, Placed>();
  rows.forEach((row, r) => {
    const left = (width - rowWidth(row.length)) / 2;
    row.forEach((node, i) => {
      placed.set(node.uri, { node, x: left + i * (NODE_WIDTH + GAP_X), y: PADDING + r * (NODE_HEIGHT + GAP_Y) });
    });
  });
  return { placed, width, height };
}

export function renderDiagram(graph: NetworkGraph, lang: Lang, centerName: string): SafeHtml {
  const { placed, width, height } = layout(graph);
  // Nearest first: parents before grandparents, children before theirs.
  const names = (sign: number) => graph.nodes.filter((n) => Math.sign(n.level) === sign)
    .sort((a, b) => Math.abs(a.level) - Math.abs(b.level) || a.index - b.index)
    .map((n) => labelOf(n.uri, n.group));
  const above = names(-1);
  const below = names(1);
  const desc = [
    above.length > 0 ? t(lang, "network.above", { count: above.length, names: above.join(", ") }) : t(lang, "network.noneAbove"),
    below.length > 0 ? t(lang, "network.below", { count: below.length, names: below.join(", ") }) : t(lang, "network.noneBelow"),
  ].join(" ");
  const title = t(lang, "network.diagramTitle", { name: centerName });

  const edges = graph.edges.map(({ parent, child }) => {
    const p = placed.get(parent);
    const c = placed.get(child);
    if (!p || !c) return null;
    const x1 = p.x + NODE_WIDTH / 2;
    const y1 = p.y + NODE_HEIGHT;
    const x2 = c.x + NODE_WIDTH / 2;
    const y2 = c.y;
    return html`<path class="net-edge" d="M${x1} ${y1}C${x1} ${y1 + GAP_Y / 2} ${x2} ${y2 - GAP_Y / 2} ${x2} ${y2}"/>`;
  });

  const boxes = [...placed.values()].map(({ node, x, y }) => {
    const current = node.uri === graph.center;
    const label = labelOf(node.uri, node.group);
    const lines = wrapName(label);
    const cx = x + NODE_WIDTH / 2;
    const firstY = lines.length === 1 ? y + 27 : y + 20;
    // An image: no links inside (role="img" hides them from assistive
    // technology); the lists next to it carry the links.
    return html`<g class="net-node${current && " net-current"}" data-uri="${node.uri}"><title>${label}</title><rect x="${x}" y="${y}" width="${NODE_WIDTH}" height="${NODE_HEIGHT}" rx="8"/>
<text x="${cx}" y="${firstY}" text-anchor="middle" class="net-name">${lines.map((line, i) => html`<tspan x="${cx}" dy="${i === 0 ? 0 : 17}">${line}</tspan>`)}</text>
<text x="${cx}" y="${y + NODE_HEIGHT - 12}" text-anchor="middle" class="net-meta">${truncate(metaOf(node.group, lang), META_CHARS)}</text></g>`;
  });

  // Focusable so keyboards can scroll a diagram wider than a phone's screen.
  return html`<div class="net-scroll" tabindex="0" role="region" aria-label="${title}">
<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="net-title net-desc" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
<title id="net-title">${title}</title>
<desc id="net-desc">${desc}</desc>
${edges}
${boxes}
</svg>
</div>`;
}

function renderItem(item: TreeItem, lang: Lang): SafeHtml {
  const label = labelOf(item.uri, item.group);
  const href = hrefOf(item.uri, item.group);
  const rel = relOf(item.group);
  const name: HtmlValue = href === null ? label : html`<a href="${href}"${rel !== null && html` rel="${rel}"`}>${label}</a>`;
  const meta = metaOf(item.group, lang);
  return html`<li>${name}${meta !== "" && html` <span class="muted">(${meta})</span>`}${
    item.repeated && html` <span class="muted">— ${t(lang, "network.repeated")}</span>`}${
    item.next.length > 0 && html`<ul>${item.next.map((n) => renderItem(n, lang))}</ul>`}</li>`;
}

/** The Network section: diagram and lists, or a sentence when there are no links. */
export function renderNetworkSection(graph: NetworkGraph | undefined, lang: Lang, centerName: string, networkPage?: string): SafeHtml {
  const linked = graph !== undefined && graph.nodes.length > 1;
  return html`<section aria-labelledby="network-heading">
<h2 id="network-heading">${t(lang, "network.heading")}</h2>
${linked && networkPage && html`<p><a href="${networkPage}">${t(lang, "community.networkLink")}</a></p>`}
${!linked ? html`<p>${t(lang, "network.none")}</p>` : html`${renderDiagram(graph, lang, centerName)}
<div class="net-list">
${graph.ancestors.length > 0 && html`<h3>${t(lang, "network.partOf")}</h3>
<ul>${graph.ancestors.map((item) => renderItem(item, lang))}</ul>`}
${graph.descendants.length > 0 && html`<h3>${t(lang, "network.subcommunities")}</h3>
<ul>${graph.descendants.map((item) => renderItem(item, lang))}</ul>`}
</div>`}
</section>`;
}

function remoteLink(url: string | null, text: HtmlValue, rel: string | null = REMOTE_LINK_REL): SafeHtml {
  const href = httpUrl(url);
  if (href === null) return html`${text}`;
  return html`<a href="${href}"${rel !== null && html` rel="${rel}"`}>${text}</a>`;
}

export function renderRolledUp(post: NetworkPostView, lang: Lang): SafeHtml {
  const via = remoteLink(post.via.url ?? post.via.uri, post.via.name?.trim() || post.via.uri);
  const authorLabel = post.authorName?.trim() || post.authorHandle || post.authorUri;
  const author = authorLabel && remoteLink(post.authorUri, authorLabel);
  const published = formatDateTime(lang, post.published);
  return html`<article class="card">
<header>
${post.name !== null && html`<h3${langAttr(post.language)}>${post.name}</h3>`}
<p class="byline">${tHtml(lang, "fromSub.via", { community: via })}${
    author && html` · ${tHtml(lang, "fromSub.by", { author })}`}${
    published !== null && html` · <time datetime="${post.published}">${published}</time>`}${
    post.promoted && html` <span class="badge">${t(lang, "fromSub.promoted")}</span>`}</p>
</header>
${post.contentHtml !== null && html`<div class="content"${langAttr(post.language)}>${new SafeHtml(sanitizeRemoteHtml(post.contentHtml))}</div>`}
${renderAttachments(post.attachments, lang, post.language)}
${httpUrl(post.url) !== null && html`<footer><p>${remoteLink(post.url, t(lang, "posts.viewOriginal"))}</p></footer>`}
</article>
`;
}

/** The "From sub-communities" section: rolled-up posts with their provenance. */
export function renderFromSubcommunities(posts: NetworkPostView[], lang: Lang): SafeHtml {
  return html`<section aria-labelledby="from-sub-heading">
<h2 id="from-sub-heading">${t(lang, "fromSub.heading")}</h2>
${posts.length > 0 ? posts.map((p) => renderRolledUp(p, lang)) : html`<p>${t(lang, "fromSub.none")}</p>`}
</section>`;
}
