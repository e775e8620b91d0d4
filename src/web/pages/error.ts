import { t } from "../i18n.ts";
import { html, textToParagraphs } from "../sanitize.ts";
import type { ErrorView, Lang } from "../views.ts";
import { renderLayout } from "./layout.ts";

// Statuses with their own wording; any other falls back to a generic
// client (4xx) or server (5xx) message.
const WORDED_STATUSES = ["400", "403", "404", "406", "410", "429", "503"] as const;

function errorKind(status: number): (typeof WORDED_STATUSES)[number] | "client" | "server" {
  return WORDED_STATUSES.find((worded) => worded === String(status)) ?? (status >= 500 ? "server" : "client");
}

/** An error page; the route still has to send `view.status` as the status. */
export function renderErrorPage(view: ErrorView, lang: Lang): string {
  const kind = errorKind(view.status);
  const title = t(lang, `error.${kind}`);
  const body = html`<h1>${title}</h1>
<p class="muted">${t(lang, "error.status", { status: view.status })}</p>
<p>${t(lang, `error.${kind}.explain`)}</p>
${view.detail && textToParagraphs(view.detail)}
<p><a href="/">${t(lang, "error.backHome")}</a></p>`;
  return renderLayout({ lang, title, instance: view.instance, body, noindex: true });
}
