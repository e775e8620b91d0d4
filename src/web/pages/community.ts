import { formatDate, formatDateTime, formatLanguageList, t, tHtml } from "../i18n.ts";
import {
  html, httpUrl, REMOTE_LINK_REL, sanitizeRemoteHtml, SafeHtml, textToParagraphs, type HtmlValue,
} from "../sanitize.ts";
import type { CommunityView, Lang, PostView } from "../views.ts";
import { renderLayout } from "./layout.ts";
import { renderFromSubcommunities, renderNetworkSection } from "./network.ts";

/** A link to a remote URL, or just the text when the URL is not http(s). */
function remoteLink(url: string | null, text: HtmlValue): SafeHtml {
  const href = httpUrl(url);
  return href === null ? html`${text}` : html`<a href="${href}" rel="${REMOTE_LINK_REL}">${text}</a>`;
}

function renderPost(post: PostView, lang: Lang): SafeHtml {
  const authorName = post.authorName?.trim() || null;
  const author = authorName ?? post.authorHandle ?? post.authorUri;
  // Under a display name, the handle tells readers who actually wrote it.
  const handle = authorName !== null && post.authorHandle !== null && html` ${post.authorHandle}`;
  const published = formatDateTime(lang, post.published);
  // Remote HTML enters the page here and nowhere else.
  const content = post.contentHtml !== null && html`<div class="content">${new SafeHtml(sanitizeRemoteHtml(post.contentHtml))}</div>`;
  const body = post.summary === null
    ? content
    : html`<details>
<summary>${t(lang, "posts.contentWarning")} ${post.summary}</summary>
${content}
</details>`;
  return html`<article class="card">
<header>
${post.name !== null && html`<h3>${post.name}</h3>`}
<p class="byline">${remoteLink(post.authorUri, author)}${handle}${
    published !== null && html` · <time datetime="${post.published}">${published}</time>`}${
    post.pinned && html` <span class="badge">${t(lang, "posts.pinned")}</span>`}${
    post.locked && html` <span class="badge">${t(lang, "posts.locked")}</span>`}</p>
${post.inReplyTo !== null && html`<p class="byline">${remoteLink(post.inReplyTo, t(lang, "posts.inReplyTo"))}</p>`}
</header>
${body}
${httpUrl(post.url) !== null && html`<footer><p>${remoteLink(post.url, t(lang, "posts.viewOriginal"))}</p></footer>`}
</article>
`;
}

/** A community's public page: what it is, how to join it from Mastodon,
 *  its recent posts, what its sub-communities posted, and its place in the
 *  network of communities. A closed community's page has its profile and a
 *  notice saying who can read its posts, in place of the posts. */
export function renderCommunityPage(view: CommunityView, lang: Lang): string {
  const { instance, community, posts, network, fromSubcommunities, membersOnly = false } = view;
  // Rolled-up posts matter once the community has sub-communities (or had).
  const showFromSub = !membersOnly && fromSubcommunities !== undefined &&
    (fromSubcommunities.length > 0 || (network?.descendants.length ?? 0) > 0);
  const handle = html`<code>${community.handle}</code>`;
  const created = formatDate(lang, community.createdAt);
  const body = html`<h1>${community.name}</h1>
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
<section>
<h2>${t(lang, "follow.heading")}</h2>
<ol>
<li>${tHtml(lang, "follow.search", { handle })}</li>
<li>${t(lang, "follow.press")}</li>
<li>${t(lang, community.closed ? "follow.closed" : "follow.open")}</li>
</ol>
<p>${tHtml(lang, community.postingPolicy === "members" ? "follow.postMembers" : "follow.postAnyone", { handle })}</p>
</section>
${network !== undefined && renderNetworkSection(network, lang, community.name)}
${membersOnly ? html`<section class="card" id="members-only">
<h2>${t(lang, "membersOnly.heading")}</h2>
<p>${t(lang, "membersOnly.hidden")}</p>
<p>${t(lang, "membersOnly.howToRead")}</p>
<p>${t(lang, "membersOnly.limits")}</p>
</section>` : html`<section>
<h2>${t(lang, "posts.heading")}</h2>
${posts.length > 0 ? posts.map((post) => renderPost(post, lang)) : html`<p>${t(lang, "posts.none")}</p>`}
</section>`}
${showFromSub && renderFromSubcommunities(fromSubcommunities, lang)}
`;
  return renderLayout({ lang, title: community.name, instance, body, description: community.summary });
}
