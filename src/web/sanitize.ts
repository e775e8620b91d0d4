// Everything that reaches a page goes through this module: operator and
// remote plain text is escaped, remote HTML is sanitised against an
// allow-list, and markup is assembled with the `html` template tag, which
// escapes every interpolated value that is not already `SafeHtml`.

import sanitizeHtml from "sanitize-html";
import { escapeHtml, textToHtml } from "../federation/text.ts";

export { escapeHtml };

/** Markup that is safe to insert as is. Build it with `html`; construct it
 *  directly only around our own constant markup or the output of an
 *  escaping or sanitising function. */
export class SafeHtml {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
}

/** What `html` accepts: text (escaped), numbers, safe markup, lists of those
 *  (concatenated), and null/undefined/false (rendered as nothing, so that
 *  `${cond && html`…`}` works). */
export type HtmlValue = SafeHtml | string | number | null | undefined | false | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return "";
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join("");
  return escapeHtml(String(value));
}

/** Template tag: `html`<p>${text}</p>`` escapes `text` unless it is SafeHtml. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return new SafeHtml(out);
}

/** Operator-written plain text: blank lines separate paragraphs, single
 *  newlines become line breaks. */
export function textToParagraphs(text: string): SafeHtml {
  return new SafeHtml(textToHtml(text));
}

/** `value` if it is an absolute http(s) URL, else null: remote actors control
 *  the URLs we link to, and a `javascript:` href would run in our origin. */
export function httpUrl(value: string | null): string | null {
  if (value === null || !URL.canParse(value)) return null;
  const { protocol } = new URL(value);
  return protocol === "https:" || protocol === "http:" ? value : null;
}

/** `rel` for every link to a remote, user-controlled URL. */
export const REMOTE_LINK_REL = "nofollow noopener noreferrer ugc";

// Mastodon's microformat and link-shortening classes; `invisible` and
// `ellipsis` are styled by the layout so long links display shortened.
const MASTODON_CLASSES = ["h-card", "mention", "hashtag", "invisible", "ellipsis", "u-url"];

const REMOTE_HTML_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [
    "p", "br", "a", "span", "strong", "em", "b", "i", "u", "s", "del",
    "code", "pre", "blockquote", "ul", "ol", "li",
  ],
  allowedAttributes: {
    a: ["href", "rel"],
    span: ["class"],
    ol: ["start", "reversed"],
    li: ["value"],
  },
  allowedClasses: { span: MASTODON_CLASSES },
  allowedSchemes: ["http", "https", "mailto"],
  allowProtocolRelative: false,
  transformTags: {
    // Remote links are user content: no endorsement, no referrer, no opener.
    // `target` is not allowed, so every link opens in the same tab.
    a: (tagName, attribs) => ({
      tagName,
      attribs: { ...attribs, rel: REMOTE_LINK_REL },
    }),
    // A post's headings would break the page outline (the post title is an
    // h3), so they become bold text, as Mastodon renders them.
    h1: "strong", h2: "strong", h3: "strong", h4: "strong", h5: "strong", h6: "strong",
  },
  // Disallowed tags are dropped and their text kept, except these, whose
  // content is code, styling or fallback rather than prose.
  nonTextTags: [
    "script", "style", "textarea", "option", "xmp", "noscript", "template",
    "iframe", "object", "svg", "math", "title", "head",
  ],
};

/** Remote text that may or may not be HTML (a content warning, say), as
 *  safe markup with every tag removed and the text kept. */
export function remoteTextOf(dirty: string): SafeHtml {
  return new SafeHtml(sanitizeHtml(dirty, { allowedTags: [], allowedAttributes: {}, nonTextTags: REMOTE_HTML_OPTIONS.nonTextTags }).trim());
}

/** Remote (untrusted) post HTML reduced to the formatting fediverse posts use:
 *  no images, media, frames, forms, scripts, styles or event handlers, and
 *  links restricted to http, https and mailto. */
export function sanitizeRemoteHtml(dirty: string): string {
  return sanitizeHtml(dirty, REMOTE_HTML_OPTIONS);
}

const ARTICLE_HTML_OPTIONS: sanitizeHtml.IOptions = {
  ...REMOTE_HTML_OPTIONS,
  allowedTags: [
    ...(REMOTE_HTML_OPTIONS.allowedTags as string[]),
    "h2", "h3", "h4", "hr", "table", "thead", "tbody", "tr", "th", "td",
  ],
  allowedAttributes: { ...REMOTE_HTML_OPTIONS.allowedAttributes, th: ["align"], td: ["align"] },
  transformTags: {
    ...REMOTE_HTML_OPTIONS.transformTags,
    // A resource's own headings sit under its title (an h1 on its page).
    h1: "h2", h2: "h2", h3: "h3", h4: "h4", h5: "h4", h6: "h4",
  },
};

/** HTML rendered from a resource's Markdown: the remote allow-list plus headings, rules and tables. */
export function sanitizeArticleHtml(dirty: string): string {
  return sanitizeHtml(dirty, ARTICLE_HTML_OPTIONS);
}
