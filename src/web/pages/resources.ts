// The resource centre on the visitor pages: the section of the community
// page, the centre's own page, a page per resource (rendered Markdown or
// the link, kind, language, every version), the community's practice
// statuses, and the practice badge shown on posts and resources.
import { isPracticeStatus } from "../../domain/practice.ts";
import { formatDate, t } from "../i18n.ts";
import { html, httpUrl, REMOTE_LINK_REL, SafeHtml, sanitizeArticleHtml } from "../sanitize.ts";
import type { InstanceView, Lang } from "../views.ts";
import { renderLayout } from "./layout.ts";

export interface ResourceCard {
  title: string;
  /** Its id and page. */
  uri: string;
  /** A "deliverable" is a finished result of an archived working group. */
  form: "article" | "link" | "deliverable";
  kind: string;
  language: string | null;
  version: number;
  practiceStatus: string | null;
  updatedAt: string;
  /** For a deliverable: the working group's name. */
  from?: string;
}

export interface ResourceVersionLine {
  version: number;
  title: string;
  createdAt: string;
}

export interface ResourcePageView {
  instance: InstanceView;
  community: { slug: string; name: string; url: string };
  resource: ResourceCard & { url: string | null; html: string | null };
  versions: ResourceVersionLine[];
  url: URL;
}

export interface PracticeLine {
  id: string;
  object: string;
  title: string | null;
  status: string;
  note: string | null;
  /** Set for an inherited mark: the community that made it. */
  origin: string | null;
}

const KIND_KEYS = {
  tool: "resources.kind.tool", protocol: "resources.kind.protocol", report: "resources.kind.report",
  template: "resources.kind.template", other: "resources.kind.other",
} as const;

function kindLabel(lang: Lang, kind: string): string {
  return t(lang, KIND_KEYS[kind as keyof typeof KIND_KEYS] ?? "resources.kind.other");
}

/** The badge of a practice status ("Best practice"), or nothing. */
export function renderPracticeBadge(status: string | null | undefined, lang: Lang): SafeHtml {
  if (!isPracticeStatus(status)) return html``;
  return html`<span class="badge practice practice-${status}" title="${t(lang, "practice.status")}">${t(lang, `practice.${status}`)}</span>`;
}

function renderCard(r: ResourceCard, lang: Lang): SafeHtml {
  if (r.form === "deliverable") {
    const href = httpUrl(r.uri);
    return html`<li>${href ? html`<a href="${href}" rel="${REMOTE_LINK_REL}">${r.title}</a>` : r.title}
<span class="muted">${t(lang, "resources.fromWorkingGroup", { group: r.from ?? "" })}</span></li>`;
  }
  return html`<li><a href="${r.uri}">${r.title}</a>
<span class="muted">${kindLabel(lang, r.kind)}${r.language && html` · ${r.language}`} · ${t(lang, r.form === "article" ? "resources.article" : "resources.document")}</span>
${renderPracticeBadge(r.practiceStatus, lang)}</li>`;
}

/** The community page's resource centre (the newest few, with a link to all). */
export function renderResourceSection(slug: string, resources: ResourceCard[] | undefined, lang: Lang): SafeHtml {
  if (resources === undefined) return html``;
  return html`<section aria-labelledby="resources-heading">
<h2 id="resources-heading">${t(lang, "resources.heading")}</h2>
${resources.length === 0 ? html`<p>${t(lang, "resources.none")}</p>` : html`<ul>${resources.map((r) => renderCard(r, lang))}</ul>`}
<p><a href="/c/${slug}/resources">${t(lang, "resources.all")}</a> · <a href="/c/${slug}/practice">${t(lang, "practice.heading")}</a></p>
</section>`;
}

export function renderResourceCentrePage(
  view: { instance: InstanceView; community: { slug: string; name: string; url: string }; resources: ResourceCard[]; url: URL }, lang: Lang,
): string {
  const body = html`<h1>${t(lang, "resources.heading")}</h1>
<p><a href="${view.community.url}">${view.community.name}</a></p>
${view.resources.length === 0 ? html`<p>${t(lang, "resources.none")}</p>` : html`<ul>${view.resources.map((r) => renderCard(r, lang))}</ul>`}`;
  return renderLayout({ lang, title: `${t(lang, "resources.heading")} · ${view.community.name}`, instance: view.instance, body, url: view.url });
}

export function renderResourcePage(view: ResourcePageView, lang: Lang): string {
  const r = view.resource;
  const link = r.form === "link" ? httpUrl(r.url) : null;
  const updated = formatDate(lang, r.updatedAt);
  const body = html`<article${r.language ? new SafeHtml(` lang="${r.language === "fr" ? "fr" : "en"}"`) : ""}>
<h1>${r.title}</h1>
<p class="muted">${t(lang, "resources.in")} <a href="${view.community.url}">${view.community.name}</a></p>
${renderPracticeBadge(r.practiceStatus, lang)}
<dl class="facts">
<dt>${t(lang, "resources.kind")}</dt><dd>${kindLabel(lang, r.kind)}</dd>
${r.language && html`<dt>${t(lang, "resources.language")}</dt><dd>${r.language}</dd>`}
<dt>${t(lang, "resources.version")}</dt><dd>${r.version}</dd>
${updated && html`<dt>${t(lang, "resources.updated")}</dt><dd><time datetime="${r.updatedAt}">${updated}</time></dd>`}
</dl>
${r.html !== null && html`<div class="content">${new SafeHtml(sanitizeArticleHtml(r.html))}</div>`}
${link && html`<p><a href="${link}" rel="${REMOTE_LINK_REL}">${t(lang, "resources.link")}</a> <code>${link}</code></p>`}
</article>
<section aria-labelledby="versions-heading">
<h2 id="versions-heading">${t(lang, "resources.versions")}</h2>
<ol>${view.versions.map((v) => html`<li><time datetime="${v.createdAt}">${formatDate(lang, v.createdAt) ?? v.createdAt}</time> — ${
    t(lang, "resources.versionLine", { version: v.version, title: v.title })}</li>`)}</ol>
</section>`;
  return renderLayout({ lang, title: r.title, instance: view.instance, body, url: view.url, canonical: r.uri });
}

export function renderPracticePage(
  view: { instance: InstanceView; community: { slug: string; name: string; url: string }; practices: PracticeLine[]; url: URL }, lang: Lang,
): string {
  const body = html`<h1>${t(lang, "practice.heading")}</h1>
<p><a href="${view.community.url}">${view.community.name}</a></p>
${view.practices.length === 0 ? html`<p>${t(lang, "practice.none")}</p>` : html`<ul>${view.practices.map((p) => {
    const href = httpUrl(p.object);
    return html`<li id="mark-${p.id}">${renderPracticeBadge(p.status, lang)} ${href ? html`<a href="${href}" rel="${REMOTE_LINK_REL}">${p.title ?? href}</a>` : p.title}
${p.origin && html`<span class="muted">${t(lang, "practice.inherited", { origin: p.origin })}</span>`}
${p.note && html`<p>${p.note}</p>`}</li>`;
  })}</ul>`}`;
  return renderLayout({ lang, title: `${t(lang, "practice.heading")} · ${view.community.name}`, instance: view.instance, body, url: view.url });
}
