import { formatDate, formatLanguageList, t, tHtml } from "../i18n.ts";
import { html, textToParagraphs } from "../sanitize.ts";
import type { CommunityView, Lang } from "../views.ts";
import {
  renderCommunityPosts, renderFeedLinks, renderFromParents, renderRulesAndModerators,
} from "./community-sections.ts";
import { renderFollowBox } from "./follow.ts";
import { renderMeetingsSection } from "./meetings.ts";
import { communityAlternates, renderLayout } from "./layout.ts";
import { renderFromSubcommunities, renderNetworkSection } from "./network.ts";
import { renderResourceSection } from "./resources.ts";
import { renderArchivedBadge, renderWorkingGroup } from "./working-groups.ts";

/** A community's public page: what it is, how to join it from Mastodon,
 *  its recent posts, what its sub-communities posted, and its place in the
 *  network of communities. A closed community's page has its profile and a
 *  notice saying who can read its posts, in place of the posts. */
export function renderCommunityPage(view: CommunityView, lang: Lang): string {
  const { instance, community, network, fromSubcommunities } = view;
  // Rolled-up posts matter once the community has sub-communities (or had).
  const showFromSub = fromSubcommunities !== undefined &&
    (fromSubcommunities.length > 0 || (network?.descendants.length ?? 0) > 0);
  const handle = html`<code>${community.handle}</code>`;
  const created = formatDate(lang, community.createdAt);
  const body = html`<h1>${community.name}${renderArchivedBadge(view.workingGroup, lang)}</h1>
<p class="muted">${handle}<span aria-hidden="true"> · </span>${t(lang, "community.members", { count: community.memberCount })}</p>
${textToParagraphs(community.summary)}
<dl class="facts">
<dt>${t(lang, "community.scale")}</dt><dd>${t(lang, `scale.${community.scale}`)}</dd>
${community.stream !== null && html`<dt>${t(lang, "community.stream")}</dt><dd>${t(lang, `stream.${community.stream}`)}</dd>`}
${community.languages.length > 0 && html`<dt>${t(lang, "community.languages")}</dt><dd>${formatLanguageList(lang, community.languages)}</dd>`}
<dt>${t(lang, "community.membership")}</dt><dd>${t(lang, community.closed ? "community.closedExplained" : "community.openExplained")}</dd>
<dt>${t(lang, "community.whoCanPost")}</dt><dd>${t(lang, community.announcementOnly ? "community.postingModerators"
    : community.postingPolicy === "members" ? "community.postingMembers" : "community.postingAnyone")}</dd>
${created !== null && html`<dt>${t(lang, "community.created")}</dt><dd><time datetime="${community.createdAt}">${created}</time></dd>`}
</dl>
${renderWorkingGroup(view.workingGroup, lang)}
${renderFollowBox({ action: `/c/${community.slug}/follow`, handle: community.handle, mode: "follow" }, lang)}
<section>
<h2>${t(lang, "follow.heading")}</h2>
<ol>
<li>${tHtml(lang, "follow.search", { handle })}</li>
<li>${t(lang, "follow.press")}</li>
<li>${t(lang, community.closed ? "follow.closed" : "follow.open")}</li>
</ol>
<p>${tHtml(lang, community.postingPolicy === "members" ? "follow.postMembers" : "follow.postAnyone", { handle })}</p>
</section>
${renderRulesAndModerators(view, lang)}
${view.meetings !== undefined && renderMeetingsSection(view.meetings, lang, community.slug, (network?.ancestors.length ?? 0) > 0)}
${renderCommunityPosts(view, lang)}
${view.contentVisible !== false && renderResourceSection(community.slug, view.resources, lang)}
${network !== undefined && renderNetworkSection(network, lang, community.name, `/c/${community.slug}/network`)}
<section aria-labelledby="glossary-heading"><h2 id="glossary-heading">${t(lang, "glossary.link")}</h2><p><a href="/c/${community.slug}/glossary">${t(lang, "glossary.see")}</a></p></section>
${showFromSub && view.contentVisible !== false && renderFromSubcommunities(fromSubcommunities, lang)}
${view.contentVisible !== false && renderFromParents(view.fromParents, lang)}
${renderFeedLinks(view, lang)}
`;
  return renderLayout({
    lang, title: community.name, instance, body, description: community.summary, url: view.url, canonical: community.url,
    alternates: communityAlternates(community, lang, view.contentVisible !== false),
  });
}
