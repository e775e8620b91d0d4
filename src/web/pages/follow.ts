// "Follow from your server": the community's handle to copy, and a small
// form that sends the visitor to their own server's interaction page. Works
// without JavaScript; the copy button appears only when the script runs.
import { t } from "../i18n.ts";
import { html, type SafeHtml } from "../sanitize.ts";
import type { Lang } from "../views.ts";

export interface FollowBoxOptions {
  /** Where the form posts (/c/<slug>/follow or a post's /interact). */
  action: string;
  /** The CSRF-free form is protected by an Origin check; no token needed. */
  handle?: string;
  /** What the visitor typed, and what was wrong with it. */
  value?: string;
  error?: string | null;
  /** "follow" for a community, "interact" for a post. */
  mode: "follow" | "interact";
  /** Unique per page, for ids. */
  idPrefix?: string;
  headingLevel?: 2 | 3;
}

export function renderFollowBox(options: FollowBoxOptions, lang: Lang): SafeHtml {
  const p = options.idPrefix ?? "follow";
  const h = options.headingLevel ?? 2;
  const heading = t(lang, options.mode === "follow" ? "follow.remoteHeading" : "thread.interactHeading");
  const invalid = options.error != null;
  const headingHtml = h === 2 ? html`<h2 id="${p}-heading">${heading}</h2>` : html`<h3 id="${p}-heading">${heading}</h3>`;
  return html`<section class="follow-box" aria-labelledby="${p}-heading">
${headingHtml}
<p>${t(lang, options.mode === "follow" ? "follow.remoteIntro" : "thread.interactIntro")}</p>
<form method="post" action="${options.action}">
<div class="field">
<label for="${p}-account">${t(lang, "follow.account")}<span class="hint" id="${p}-hint">${t(lang, "follow.accountHint")}</span></label>
<input type="text" id="${p}-account" name="account" autocomplete="username" inputmode="email" spellcheck="false" autocapitalize="none" required value="${options.value ?? ""}" aria-describedby="${p}-hint${invalid ? ` ${p}-error` : ""}"${invalid && html` aria-invalid="true"`}>
${invalid && html`<span class="error" id="${p}-error">${options.error}</span>`}
</div>
<button type="submit">${t(lang, options.mode === "follow" ? "follow.submit" : "follow.submitInteract")}</button>
</form>
${options.handle && html`<div class="field">
<label for="${p}-handle">${t(lang, "follow.handleLabel")}</label>
<div class="copy-row"><input type="text" id="${p}-handle" value="${options.handle}" readonly><button type="button" class="secondary" data-copy="${p}-handle" data-copied="${t(lang, "follow.copied")}" hidden>${t(lang, "follow.copy")}</button></div>
</div>`}
</section>`;
}
