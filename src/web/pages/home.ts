import { formatLanguageList, t } from "../i18n.ts";
import { html, textToParagraphs, type SafeHtml } from "../sanitize.ts";
import type { CommunitySummaryView, HomeView, Lang } from "../views.ts";
import { renderLayout } from "./layout.ts";

// Shown verbatim in the empty state: it is a command, not prose.
const CREATE_COMMAND = `npx praxis community create <slug> --name "<Name>"`;

function renderCommunity(community: CommunitySummaryView, lang: Lang): SafeHtml {
  const badges = [
    t(lang, `scale.${community.scale}`),
    community.stream && t(lang, "stream.badge", { stream: t(lang, `stream.${community.stream}`) }),
    community.languages.length > 0 && formatLanguageList(lang, community.languages),
    t(lang, "community.members", { count: community.memberCount }),
    t(lang, community.closed ? "community.closed" : "community.open"),
  ].filter((badge) => badge !== null && badge !== false);
  return html`<li class="card">
<h3><a href="${community.url}">${community.name}</a></h3>
<p class="muted"><code>${community.handle}</code></p>
${textToParagraphs(community.summary)}
<ul class="badges">${badges.map((badge) => html`<li>${badge}</li>`)}</ul>
</li>
`;
}

/** The instance's front page: what it is, and its communities. */
export function renderHomePage(view: HomeView, lang: Lang): string {
  const { instance, communities } = view;
  const list = communities.length > 0
    ? html`<ul class="card-list">
${communities.map((community) => renderCommunity(community, lang))}</ul>`
    : html`<p>${t(lang, "home.noCommunities")}</p>
<p>${t(lang, "home.howToCreate")}</p>
<pre><code>${CREATE_COMMAND}</code></pre>`;
  const description = instance.descriptionLang
    ? html`<div lang="${instance.descriptionLang}">${textToParagraphs(instance.description)}</div>`
    : textToParagraphs(instance.description);
  const body = html`<h1>${instance.name}</h1>
${description}
<h2>${t(lang, "home.communities")}</h2>
${list}`;
  return renderLayout({ lang, title: instance.name, instance, body, description: instance.description, url: view.url, canonical: `${instance.origin}/` });
}
