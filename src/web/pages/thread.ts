// A post's own page on Praxis (its permalink): the post with its media,
// like and reply counts and a link to the original, its replies nested, and
// how to reply or like from one's own server.
import { t, tHtml } from "../i18n.ts";
import { html, type SafeHtml } from "../sanitize.ts";
import type { InstanceView, Lang, PostView, ThreadNode } from "../views.ts";
import { renderFollowBox } from "./follow.ts";
import { renderLayout } from "./layout.ts";
import { renderPost } from "./posts.ts";

export interface ThreadView {
  instance: InstanceView;
  community: { slug: string; name: string; url: string };
  post: PostView;
  /** The thread's first post, when this post is a reply in it. */
  threadStart: { permalink: string } | null;
  replies: ThreadNode[];
  locked: boolean;
  url: URL;
  canonical: string;
}

function renderNode(node: ThreadNode, lang: Lang): SafeHtml {
  const card = node.post.gone
    ? html`<p class="card placeholder">${t(lang, node.post.gone === "removed" ? "thread.removed" : "thread.deleted")}</p>`
    : renderPost(node.post, lang, { asListItem: true });
  return html`<li>${card}${node.replies.length > 0 && html`<ul class="replies">${node.replies.map((n) => renderNode(n, lang))}</ul>`}</li>`;
}

function countVisible(nodes: ThreadNode[]): number {
  return nodes.reduce((n, node) => n + (node.post.gone ? 0 : 1) + countVisible(node.replies), 0);
}

export function renderThreadPage(view: ThreadView, lang: Lang): string {
  const { instance, community, post, replies } = view;
  const communityLink = html`<a href="/c/${community.slug}">${community.name}</a>`;
  const count = countVisible(replies);
  const body = html`<p class="muted">${tHtml(lang, "thread.inCommunity", { community: communityLink })}</p>
${view.threadStart && html`<p class="notice">${t(lang, "thread.inThread")} <a href="${view.threadStart.permalink}">${t(lang, "thread.threadStart")}</a></p>`}
${renderPost({ ...post, replyCount: count }, lang, { headingLevel: 1 })}
${view.locked && html`<p class="notice">${t(lang, "thread.locked")}</p>`}
<section aria-labelledby="replies-heading">
<h2 id="replies-heading">${t(lang, "thread.replies")} <span class="muted">(${count})</span></h2>
${replies.length > 0 ? html`<ul class="replies">${replies.map((n) => renderNode(n, lang))}</ul>` : html`<p>${t(lang, "thread.noReplies")}</p>`}
</section>
${renderFollowBox({ action: `${post.permalink}/interact`, mode: "interact", idPrefix: "interact" }, lang)}
`;
  const author = post.authorName?.trim() || post.authorHandle || post.authorUri;
  const title = post.name ?? t(lang, "posts.untitled", { author });
  const plain = (post.contentHtml ?? "").replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim().slice(0, 200);
  return renderLayout({
    lang, title: `${title} · ${community.name}`, instance, body, description: plain || undefined, url: view.url, canonical: view.canonical,
    alternates: [{ type: "application/activity+json", href: post.objectUri }],
  });
}
