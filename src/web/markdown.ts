// Markdown of resources (written by moderators, but rendered on pages and
// sent to the fediverse) to HTML: rendered by `marked`, then sanitised with
// the allow-list of src/web/sanitize.ts, so raw HTML in the source, scripts,
// event handlers and `javascript:` links never come through.
import { Marked } from "marked";
import { sanitizeArticleHtml } from "./sanitize.ts";

const marked = new Marked({ gfm: true, breaks: false, async: false });

export function renderMarkdown(source: string): string {
  const raw = marked.parse(source, { async: false }) as string;
  return sanitizeArticleHtml(raw).trim();
}
