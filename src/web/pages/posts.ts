// A post as a card (community page, thread page, console), its media, and
// the community page's list of posts with its sort and older/newer links.
import { renderPracticeBadge } from "./resources.ts";
import type { Attachment } from "../../domain/media.ts";
import { summaryRole } from "../../domain/posts.ts";
import { formatDateTime, t } from "../i18n.ts";
import {
  html, httpUrl, REMOTE_LINK_REL, remoteTextOf, sanitizeRemoteHtml, SafeHtml, type HtmlValue,
} from "../sanitize.ts";
import type { Lang, Paging, PostView } from "../views.ts";

/** A link to a remote URL, or just the text when the URL is not http(s). */
export function remoteLink(url: string | null, text: HtmlValue): SafeHtml {
  const href = httpUrl(url);
  return href === null ? html`${text}` : html`<a href="${href}" rel="${REMOTE_LINK_REL}">${text}</a>`;
}

/** A link that may be to this server (a path) or remote. */
function anyLink(url: string | null | undefined, text: HtmlValue): SafeHtml {
  if (url && url.startsWith("/") && !url.startsWith("//")) return html`<a href="${url}">${text}</a>`;
  return remoteLink(url ?? null, text);
}

/** The `lang` attribute of remote content: its language when known, else
 *  "unknown" (an empty value), never the page's. */
export function langAttr(language: string | null | undefined): SafeHtml {
  return html` lang="${language ?? ""}"`;
}

const kindKey = {
  video: "media.video", audio: "media.audio", file: "media.file", link: "media.link",
} as const;

/** Images shown (hot-linked, no referrer) with their alt text, or a visible
 *  "without description"; everything else as a link. Nothing is dropped. */
export function renderAttachments(attachments: readonly Attachment[] | undefined, lang: Lang, contentLang?: string | null): SafeHtml {
  if (!attachments || attachments.length === 0) return html``;
  const images = attachments.filter((a) => a.kind === "image");
  const others = attachments.filter((a) => a.kind !== "image");
  const figure = (a: Attachment) => {
    const alt = a.description?.trim() || null;
    const size = a.width && a.height ? html` width="${a.width}" height="${a.height}"` : "";
    return html`<li><figure><a href="${a.url}" rel="${REMOTE_LINK_REL}"><img src="${a.url}" alt="${alt ?? t(lang, "media.imageNoDescription")}"${size} loading="lazy" decoding="async" referrerpolicy="no-referrer"${
      alt !== null && langAttr(contentLang)}></a>${
      alt === null && html`<figcaption class="no-alt">${t(lang, "media.imageNoDescription")}</figcaption>`}</figure></li>`;
  };
  const link = (a: Attachment) => {
    const kind = t(lang, kindKey[a.kind as keyof typeof kindKey] ?? "media.file");
    let name = a.description?.trim();
    if (!name) {
      try {
        name = decodeURIComponent(new URL(a.url).pathname.split("/").pop() || new URL(a.url).host);
      } catch {
        name = a.url;
      }
    }
    return html`<li><a href="${a.url}" rel="${REMOTE_LINK_REL}">${kind}: <span${langAttr(a.description ? contentLang : "")}>${name}</span></a>${
      a.mediaType && html` <span class="muted">(${a.mediaType})</span>`}</li>`;
  };
  return html`${images.length > 0 && html`<ul class="media">${images.map(figure)}</ul>`}${
    others.length > 0 && html`<ul class="files">${others.map(link)}</ul>`}`;
}

export interface PostCardOptions {
  /** Heading level of the post's title (h3 in lists, h1 on its own page). */
  headingLevel?: 1 | 2 | 3;
  /** Show the "open the thread" link and counts (lists). */
  asListItem?: boolean;
}

/** A post as a card. */
export function renderPost(post: PostView, lang: Lang, options: PostCardOptions = {}): SafeHtml {
  const level = options.headingLevel ?? 3;
  const authorName = post.authorName?.trim() || null;
  const author = authorName ?? post.authorHandle ?? post.authorUri;
  // Under a display name, the handle tells readers who actually wrote it.
  const handle = authorName !== null && post.authorHandle !== null && html` ${post.authorHandle}`;
  const published = formatDateTime(lang, post.published);
  // A summary is a content warning on a Note or poll, else an excerpt
  // (domain/posts.ts), shown, sanitised like content, only without content.
  const role = post.summary === null || post.summary.trim() === "" ? null : summaryRole(post.type, post.sensitive);
  const hasContent = post.contentHtml !== null && post.contentHtml.trim() !== "";
  const contentHtml = hasContent ? post.contentHtml : role === "excerpt" ? post.summary : null;
  const content = contentHtml !== null && html`<div class="content"${langAttr(post.language)}>${
    new SafeHtml(sanitizeRemoteHtml(contentHtml))}</div>`;
  const media = renderAttachments(post.attachments, lang, post.language);
  const body = role === "content-warning"
    ? html`<details>
<summary>${t(lang, "posts.contentWarning")} ${remoteTextOf(post.summary!)}</summary>
${content}${media}
</details>`
    : html`${content}${media}`;
  // Videos, audio and events are marked; an event says when and where.
  const kind = post.type === "Video" || post.type === "Audio" || post.type === "Event" ? post.type : null;
  const when = post.startsAt !== null ? formatDateTime(lang, post.startsAt) : null;
  const until = post.endsAt !== null ? formatDateTime(lang, post.endsAt) : null;
  const title = post.name !== null
    ? new SafeHtml(`<h${level}${langAttr(post.language).value}>${
      (post.permalink && options.asListItem ? html`<a href="${post.permalink}">${post.name}</a>` : html`${post.name}`).value}</h${level}>`)
    : level === 1 ? new SafeHtml(`<h1>${html`${t(lang, "posts.untitled", { author })}`.value}</h1>`) : null;
  const time = published !== null && (post.permalink
    ? html`<a href="${post.permalink}"><time datetime="${post.published}">${published}</time></a>`
    : html`<time datetime="${post.published}">${published}</time>`);
  const counts = [
    post.replyCount !== undefined && (post.permalink && options.asListItem
      ? html`<li><a href="${post.permalink}">${t(lang, "posts.replies", { count: post.replyCount })}</a></li>`
      : html`<li>${t(lang, "posts.replies", { count: post.replyCount })}</li>`),
    // Zero likes is noise; zero replies tells that the thread is open.
    post.likeCount !== undefined && post.likeCount > 0 && html`<li>${t(lang, "posts.likes", { count: post.likeCount })}</li>`,
    httpUrl(post.url) !== null && html`<li>${remoteLink(post.url, t(lang, "posts.viewOriginal"))}</li>`,
  ];
  return html`<article class="card">
<header>
${title}
<p class="byline">${remoteLink(post.authorUri, author)}${handle}${time && html` · ${time}`}${
    kind !== null && html` <span class="badge">${t(lang, `posts.kind.${kind}`)}</span>`}${
    post.pinned && html` <span class="badge">${t(lang, "posts.pinned")}</span>`}${
    post.locked && html` <span class="badge">${t(lang, "posts.locked")}</span>`}${
    post.practiceStatus && html` ${renderPracticeBadge(post.practiceStatus, lang)}`}</p>
${post.inReplyTo !== null && html`<p class="byline">${anyLink(post.inReplyToLink ?? post.inReplyTo, t(lang, "posts.inReplyTo"))}</p>`}
${when !== null && html`<p>${t(lang, "posts.when")} <time datetime="${post.startsAt}">${when}</time>${
    until !== null && html` – <time datetime="${post.endsAt}">${until}</time>`}</p>`}
${post.location !== null && html`<p>${t(lang, "posts.where")} ${post.location}</p>`}
</header>
${body}
<footer><ul class="post-meta">${counts}</ul></footer>
</article>
`;
}

/** Sort choice, the posts, and older/newer links. */
export function renderPostList(posts: readonly PostView[], paging: Paging | undefined, lang: Lang): SafeHtml {
  const sorts = paging && html`<nav class="toolbar" aria-label="${t(lang, "posts.sortLabel")}"><ul>${
    (["new", "active"] as const).map((sort) => html`<li><a href="${paging.sortLinks[sort]}"${
      paging.sort === sort && html` aria-current="true"`}>${t(lang, sort === "new" ? "posts.sortNew" : "posts.sortActive")}</a></li>`)}</ul></nav>`;
  const pager = paging && (paging.older || paging.newer) && html`<nav class="pager" aria-label="${t(lang, "posts.heading")}">
<span>${paging.newer && html`<a href="${paging.newer}" rel="prev">← ${t(lang, "posts.newer")}</a>`}</span>
<span>${paging.older ? html`<a href="${paging.older}" rel="next">${t(lang, "posts.older")} →</a>` : html`<span class="muted">${t(lang, "posts.noMore")}</span>`}</span>
</nav>`;
  return html`${sorts}
${posts.length > 0 ? posts.map((post) => renderPost(post, lang, { asListItem: true })) : html`<p>${t(lang, "posts.none")}</p>`}
${pager}`;
}

