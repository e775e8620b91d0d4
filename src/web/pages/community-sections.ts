// Sections of a community page beyond its profile: rules and moderators,
// its posts (pinned first, sorted and paged), what its parents cascaded,
// and its feeds. Kept apart from community.ts so the page stays readable.
import { t } from "../i18n.ts";
import { html, type SafeHtml } from "../sanitize.ts";
import type { CommunityView, Lang, NetworkPostView } from "../views.ts";
import { renderRolledUp } from "./network.ts";
import { renderPost, renderPostList, remoteLink } from "./posts.ts";

/** Rules (numbered) and who moderates. */
export function renderRulesAndModerators(view: CommunityView, lang: Lang): SafeHtml {
  const rules = view.community.rules ?? [];
  const moderators = view.community.moderators ?? [];
  return html`${rules.length > 0 && html`<section aria-labelledby="rules-heading">
<h2 id="rules-heading">${t(lang, "community.rules")}</h2>
<ol>${rules.map((rule) => html`<li>${rule}</li>`)}</ol>
</section>`}
${moderators.length > 0 && html`<section aria-labelledby="moderators-heading">
<h2 id="moderators-heading">${t(lang, "community.moderators")}</h2>
<ul>${moderators.map((m) => html`<li>${remoteLink(m.url, m.name)}</li>`)}</ul>
</section>`}`;
}

/** The posts: pinned ones, then the sorted, paged list; or, when the
 *  visitor may not read them, a sentence saying so. */
export function renderCommunityPosts(view: CommunityView, lang: Lang): SafeHtml {
  if (view.contentVisible === false) {
    return html`<section aria-labelledby="posts-heading">
<h2 id="posts-heading">${t(lang, "membersOnly.heading")}</h2>
<p class="notice">${t(lang, "membersOnly.hidden")}</p>
<p>${t(lang, "membersOnly.howToRead")}</p>
<p>${t(lang, "membersOnly.limits")}</p>
</section>`;
  }
  const pinned = view.pinned ?? [];
  return html`${pinned.length > 0 && html`<section aria-labelledby="pinned-heading">
<h2 id="pinned-heading">${t(lang, "posts.pinnedHeading")}</h2>
${pinned.map((post) => renderPost(post, lang, { asListItem: true }))}
</section>`}
<section aria-labelledby="posts-heading">
<h2 id="posts-heading">${t(lang, "posts.heading")}</h2>
${renderPostList(view.posts, view.paging, lang)}
</section>`;
}

/** What parent communities shared that this one cascaded to its members. */
export function renderFromParents(posts: NetworkPostView[] | undefined, lang: Lang): SafeHtml {
  if (!posts || posts.length === 0) return html``;
  return html`<section aria-labelledby="from-parents-heading">
<h2 id="from-parents-heading">${t(lang, "fromParents.heading")}</h2>
${posts.map((p) => renderRolledUp(p, lang))}
</section>`;
}

/** Links to the community's feeds (only when its posts are public). */
export function renderFeedLinks(view: CommunityView, lang: Lang): SafeHtml {
  if (view.contentVisible === false) return html``;
  const base = `/c/${view.community.slug}`;
  return html`<section aria-labelledby="feeds-heading">
<h2 id="feeds-heading">${t(lang, "community.feeds")}</h2>
<ul class="inline-list">
<li><a href="${base}/feed.atom" type="application/atom+xml">${t(lang, "community.feedAtom")}</a></li>
<li><a href="${base}/feed.rss" type="application/rss+xml">${t(lang, "community.feedRss")}</a></li>
<li><a href="${base}/network.atom" type="application/atom+xml">${t(lang, "community.networkFeed")}</a></li>
</ul>
</section>`;
}
