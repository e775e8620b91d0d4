// A community's glossary page (/c/<slug>/glossary): its terms in order,
// each term's definitions together, the community's own first (a
// refinement), then its ancestors' with the community each comes from.
import { type GlossaryEntry, termAnchor } from "../../domain/glossary.ts";
import { formatDate, formatLanguageList, t, tHtml } from "../i18n.ts";
import { html, httpUrl, REMOTE_LINK_REL, type SafeHtml } from "../sanitize.ts";
import type { InstanceView, Lang } from "../views.ts";
import { communityAlternates, renderLayout } from "./layout.ts";

export interface GlossaryPageEntry extends GlossaryEntry {
  inherited: boolean;
  refines: boolean;
  refined: boolean;
}

export interface GlossaryPageView {
  instance: InstanceView;
  community: { slug: string; name: string; url: string };
  /** Sorted by term, language, then own first (mergeGlossary). */
  entries: readonly GlossaryPageEntry[];
  /** False for a closed community: its glossary is not shown. */
  contentVisible: boolean;
  url: URL;
}

function paragraphs(text: string, lang: string): SafeHtml[] {
  return text.split(/\n{2,}/).map((p) => html`<p lang="${lang}">${p.split("\n").map((line, i) => (i === 0 ? html`${line}` : html`<br>${line}`))}</p>`);
}

function origin(e: GlossaryPageEntry, lang: Lang): SafeHtml {
  if (!e.inherited) return html`${t(lang, e.refines ? "glossary.refines" : "glossary.local")}`;
  const name = e.communityName ?? e.communityHandle ?? e.community;
  const href = httpUrl(e.community);
  const link = href ? html`<a href="${href}" rel="${REMOTE_LINK_REL}">${name}</a>` : html`${name}`;
  return html`${tHtml(lang, "glossary.inheritedFrom", { community: link })}${
    e.communityHandle && e.communityName ? html` (<code>${e.communityHandle}</code>)` : ""}`;
}

function renderDefinition(e: GlossaryPageEntry, lang: Lang): SafeHtml {
  const source = httpUrl(e.source);
  const updated = e.updatedAt ? formatDate(lang, e.updatedAt) : null;
  return html`<li>
${paragraphs(e.definition, e.language)}
<ul class="post-meta">
<li>${origin(e, lang)}${e.refined && html` · ${t(lang, "glossary.refined")}`}</li>
<li>${t(lang, "glossary.version", { version: e.version })}</li>
${updated && html`<li>${t(lang, "glossary.updated", { date: updated })}</li>`}
${source && html`<li><a href="${source}" rel="${REMOTE_LINK_REL}">${t(lang, "glossary.source")}</a></li>`}
</ul>
</li>`;
}

export function renderGlossaryPage(view: GlossaryPageView, lang: Lang): string {
  const { instance, community } = view;
  const title = t(lang, "glossary.title", { name: community.name });
  const groups: GlossaryPageEntry[][] = [];
  for (const e of view.entries) {
    const last = groups[groups.length - 1];
    if (last && last[0].key === e.key && last[0].language === e.language) last.push(e);
    else groups.push([e]);
  }
  const list = groups.map((group) => {
    const head = group[0];
    const anchor = termAnchor(head.key, head.language);
    return html`<li id="${anchor}" aria-labelledby="${anchor}-h">
<h2 id="${anchor}-h"><span lang="${head.language}">${head.term}</span> <small class="depth">${formatLanguageList(lang, [head.language])}</small></h2>
<ul class="replies" aria-label="${t(lang, "glossary.definitionsOf", { term: head.term })}">${group.map((e) => renderDefinition(e, lang))}</ul>
</li>`;
  });
  const body = html`<h1>${title}</h1>
<p><a href="/c/${community.slug}">${t(lang, "glossary.back", { name: community.name })}</a></p>
${view.contentVisible ? html`<p>${t(lang, "glossary.intro")}</p>
${groups.length === 0 ? html`<p>${t(lang, "glossary.none")}</p>` : html`<p>${t(lang, "glossary.count", { count: groups.length })}</p>
<ul class="node-list glossary">${list}</ul>`}` : html`<p class="notice">${t(lang, "glossary.closed")}</p>`}`;
  return renderLayout({
    lang, title, instance, body, url: view.url, canonical: new URL(`/c/${community.slug}/glossary`, community.url).href,
    alternates: [
      ...communityAlternates(community, lang, false),
      { type: "application/activity+json", href: new URL(`/c/${community.slug}/glossary`, community.url).href },
    ],
  });
}
