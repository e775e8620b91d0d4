import { createHash } from "node:crypto";
import { t, LANGUAGES } from "../i18n.ts";
import { withLanguage } from "../lang.ts";
import { html, SafeHtml } from "../sanitize.ts";
import type { InstanceView, Lang } from "../views.ts";
import { PAGE_SCRIPT, WEB_STYLES } from "./styles.ts";

// One column that reads well on a phone; colours meet WCAG AA (text ≥ 6:1,
// focus ring ≥ 3:1) in both schemes. `.invisible` and `.ellipsis` are
// Mastodon's link-shortening classes kept by the sanitiser.
const BASE_STYLES = `
:root{color-scheme:light dark;--bg:#fff;--surface:#f3f5f8;--text:#1b1d21;--muted:#4f5662;--link:#1d4ed8;--border:#c9ced6;--focus:#b4460b}
@media (prefers-color-scheme:dark){:root{--bg:#121418;--surface:#1d2027;--text:#e8eaee;--muted:#aab1bd;--link:#93b4ff;--border:#3a3f4a;--focus:#ffb37a}}
*,*::before,*::after{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--text);font:1.0625rem/1.6 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;overflow-wrap:anywhere}
.page{max-width:44rem;margin:0 auto;padding:0 1rem}
a{color:var(--link)}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.skip-link{position:absolute;left:1rem;top:-4rem;background:var(--bg);padding:.5rem 1rem}
.skip-link:focus{top:1rem}
.site-header{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:center;gap:.5rem 1rem;padding:1rem 0;border-bottom:1px solid var(--border)}
.site-name{font-weight:700;font-size:1.125rem;text-decoration:none;color:var(--text)}
.inline-list{display:flex;flex-wrap:wrap;gap:.25rem 1rem;margin:0;padding:0;list-style:none}
[aria-current]{font-weight:700;color:var(--text);text-decoration:none}
main{padding:1rem 0 2rem}
h1,h2,h3{line-height:1.25}
h1{font-size:1.75rem}
h2{font-size:1.375rem;margin-top:2rem}
h3{font-size:1.125rem;margin:0}
code,pre{font-family:ui-monospace,"SF Mono",Menlo,Consolas,monospace;font-size:.9375em}
code{background:var(--surface);padding:.1em .3em;border-radius:4px}
pre{background:var(--surface);padding:.75rem;border-radius:6px;overflow-x:auto}
pre code{padding:0}
.muted{color:var(--muted)}
.card{border:1px solid var(--border);border-radius:8px;padding:1rem;margin:1rem 0}
.card-list{list-style:none;margin:0;padding:0}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:1rem 0}
.facts dt{color:var(--muted)}
.facts dd{margin:0}
.badges{display:flex;flex-wrap:wrap;gap:.5rem;margin:.75rem 0 0;padding:0;list-style:none}
.badges li{background:var(--surface);border-radius:999px;padding:.1rem .75rem;font-size:.9375rem}
.byline{margin:.25rem 0;color:var(--muted);font-size:.9375rem}
.content blockquote{margin:0;padding-left:1rem;border-left:3px solid var(--border)}
.content .invisible{position:absolute;width:0;height:0;overflow:hidden;font-size:0;line-height:0}
.content .ellipsis::after{content:"…"}
summary{cursor:pointer}
.badge{display:inline-block;background:var(--surface);border:1px solid var(--border);border-radius:999px;padding:0 .6rem;font-size:.875rem;color:var(--text)}
.net-scroll{overflow-x:auto;margin:1rem 0;padding-bottom:.25rem}
.net-scroll svg{display:block;margin:0 auto;max-width:none}
.net-node rect{fill:var(--surface);stroke:var(--border);stroke-width:1}
.net-node a:hover rect{stroke:var(--link);stroke-width:2}
.net-current rect{stroke:var(--link);stroke-width:3}
.net-name{fill:var(--text);font-size:14px;font-weight:600}
.net-meta{fill:var(--muted);font-size:12px}
.net-edge{fill:none;stroke:var(--muted);stroke-width:1.5}
.net-list ul{margin:.25rem 0;padding-left:1.25rem}
.net-list h3{margin-top:1rem}
.site-footer{border-top:1px solid var(--border);padding:1rem 0 2rem;color:var(--muted);font-size:.9375rem}
`;

const STYLESHEET = BASE_STYLES + WEB_STYLES;

const sha256 = (text: string) => `'sha256-${createHash("sha256").update(text).digest("base64")}'`;

/** CSP for every page: the only things the pages load are their own inline
 *  stylesheet and script, allowed by hash, and images (remote media is
 *  hot-linked, nothing else is). Forms post to this server; the follow form
 *  is redirected to the visitor's own server. Routes send it as the
 *  Content-Security-Policy header. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `style-src ${sha256(STYLESHEET)}`,
  `script-src ${sha256(PAGE_SCRIPT)}`,
  "img-src 'self' https: http:",
  "base-uri 'none'",
  "form-action 'self' https: http:",
  "frame-ancestors 'none'",
].join("; ");

// Each language is named in itself, so readers find theirs.
const LANGUAGE_NAMES: Readonly<Record<Lang, string>> = { en: "English", fr: "Français" };

/** A `<link rel="alternate">`: a feed, or the ActivityPub document. */
export interface Alternate {
  type: string;
  href: string;
  title?: string;
}

export interface LayoutOptions {
  lang: Lang;
  /** Page title; the instance name is appended unless it is the title. */
  title: string;
  instance: InstanceView;
  /** Content of <main>, starting with the page's h1. */
  body: SafeHtml;
  /** Plain text for <meta name="description"> and Open Graph. */
  description?: string;
  /** The page's address (language links keep its path and parameters). */
  url?: URL;
  /** The page's canonical absolute address, for Open Graph. */
  canonical?: string;
  alternates?: Alternate[];
  /** Search engines should not index it (console, sign-in, errors). */
  noindex?: boolean;
  /** Extra navigation in the header (the console's). */
  nav?: SafeHtml;
}

/** A community's alternates: its ActivityPub document, and its feeds when
 *  its posts are public. */
export function communityAlternates(community: { slug: string; name: string; url: string }, lang: Lang, withFeeds: boolean): Alternate[] {
  const base = `/c/${community.slug}`;
  return [
    { type: "application/activity+json", href: community.url },
    ...(withFeeds ? [
      { type: "application/atom+xml", href: `${base}/feed.atom`, title: t(lang, "feed.posts", { name: community.name }) },
      { type: "application/rss+xml", href: `${base}/feed.rss`, title: t(lang, "feed.posts", { name: community.name }) },
      { type: "application/atom+xml", href: `${base}/network.atom`, title: t(lang, "feed.network", { name: community.name }) },
    ] : []),
  ];
}

/** A complete HTML document around a page body. */
export function renderLayout({ lang, title, instance, body, description, url, canonical, alternates, noindex, nav }: LayoutOptions): string {
  const fullTitle = title === instance.name ? title : `${title} · ${instance.name}`;
  const summary = description?.replace(/\s+/g, " ").trim();
  // Links keep the reader on the current page; the choice is remembered.
  const languageLinks = LANGUAGES.map((code) => html`<li><a href="${url ? withLanguage(url, code) : `?lang=${code}`}" hreflang="${code}" lang="${code}"${
    code === lang && html` aria-current="true"`}>${LANGUAGE_NAMES[code]}</a></li>`);
  const ogLocale = lang === "fr" ? "fr_FR" : "en_GB";
  return html`<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${fullTitle}</title>
${summary && html`<meta name="description" content="${summary}">`}
${noindex && html`<meta name="robots" content="noindex, nofollow">`}
<meta property="og:site_name" content="${instance.name}">
<meta property="og:title" content="${title}">
<meta property="og:type" content="website">
<meta property="og:locale" content="${ogLocale}">
${summary && html`<meta property="og:description" content="${summary}">`}
${canonical && html`<meta property="og:url" content="${canonical}">
<link rel="canonical" href="${canonical}">`}
${(alternates ?? []).map((a) => html`<link rel="alternate" type="${a.type}" href="${a.href}"${a.title && html` title="${a.title}"`}>
`)}<link rel="icon" href="/favicon.ico" sizes="32x32">
<style>${new SafeHtml(STYLESHEET)}</style>
</head>
<body>
<div class="page">
<a class="skip-link" href="#main">${t(lang, "layout.skipToContent")}</a>
<header class="site-header">
<a class="site-name" href="/">${instance.name}</a>
${nav}
<nav aria-label="${t(lang, "layout.languages")}"><ul class="inline-list">${languageLinks}</ul></nav>
</header>
<main id="main">
${body}
</main>
<footer class="site-footer"><p>${t(lang, "layout.poweredBy")}${!nav && html`<span aria-hidden="true"> · </span><a href="/login">${t(lang, "layout.signIn")}</a>`}</p></footer>
</div>
<script>${new SafeHtml(PAGE_SCRIPT)}</script>
</body>
</html>
`.toString();
}
