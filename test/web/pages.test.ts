import { describe, expect, it } from "vitest";
import { formatLanguageList, messageKeys, pickLanguage, t } from "../../src/web/i18n.ts";
import { renderCommunityPage } from "../../src/web/pages/community.ts";
import { renderErrorPage } from "../../src/web/pages/error.ts";
import { renderHomePage } from "../../src/web/pages/home.ts";
import { CONTENT_SECURITY_POLICY } from "../../src/web/pages/layout.ts";
import { html, httpUrl, SafeHtml, sanitizeRemoteHtml, textToParagraphs } from "../../src/web/sanitize.ts";
import type { CommunityView, HomeView, InstanceView, PostView } from "../../src/web/views.ts";

const HOSTILE = `<img src=x onerror=alert(1)>`;

const instance: InstanceView = {
  name: "Praxis Occitanie",
  description: "Communities of practice for the region.\n\nRun by the co-op.",
  origin: "https://cop.example",
  host: "cop.example",
};

const community: CommunityView["community"] = {
  slug: "nurses",
  name: "Nurses",
  summary: "Sharing what works on the ward.",
  scale: "regional",
  stream: "learn",
  languages: ["en", "fr"],
  closed: true,
  memberCount: 3,
  url: "https://cop.example/communities/nurses",
  handle: "@nurses@cop.example",
  postingPolicy: "members",
  announcementOnly: false,
  createdAt: "2025-03-12T14:05:00Z",
};

function post(overrides: Partial<PostView> = {}): PostView {
  return {
    objectUri: "https://social.example/objects/1",
    type: "Note",
    sensitive: null,
    url: "https://social.example/@alice/1",
    authorUri: "https://social.example/users/alice",
    authorName: "Alice",
    authorHandle: "@alice@social.example",
    contentHtml: "<p>Hello <strong>everyone</strong></p>",
    name: null,
    summary: null,
    startsAt: null,
    endsAt: null,
    location: null,
    published: "2025-03-14T09:30:00Z",
    inReplyTo: null,
    pinned: false,
    locked: false,
    ...overrides,
  };
}

function communityPage(posts: PostView[], overrides: Partial<CommunityView["community"]> = {}, lang: "en" | "fr" = "en"): string {
  return renderCommunityPage({ instance, community: { ...community, ...overrides }, posts }, lang);
}

/** The <main> element: where page content, as opposed to the layout, goes. */
function main(page: string): string {
  return page.slice(page.indexOf("<main"), page.indexOf("</main>"));
}

describe("sanitizeRemoteHtml", () => {
  it("removes scripts, styles, frames, media and their content", () => {
    const out = sanitizeRemoteHtml(
      `<p>ok</p><script>alert(1)</script><style>p{color:red}</style><iframe src="https://evil.example">x</iframe>` +
        `<img src="https://evil.example/a.png"><video src="v.mp4"></video><object data="x.swf"></object><form><input></form>`,
    );
    expect(out).toBe("<p>ok</p>");
  });

  it("removes event handlers, style and unknown attributes but keeps the text", () => {
    const out = sanitizeRemoteHtml(`<p onclick="alert(1)" style="position:fixed" id="x" title="t">text <b onmouseover="x()">bold</b></p>`);
    expect(out).toBe("<p>text <b>bold</b></p>");
  });

  it("keeps only http, https and mailto links, with safe rel and no target", () => {
    const out = sanitizeRemoteHtml(
      `<a href="javascript:alert(1)">a</a><a href="JaVaScRiPt&colon;alert(1)">b</a><a href="&#106;avascript:alert(1)">c</a>` +
        `<a href="java\nscript:alert(1)">d</a><a href="data:text/html;base64,PHNjcmlwdD4=">e</a><a href="vbscript:x">f</a>` +
        `<a href="//evil.example/">g</a><a href="https://ok.example/" target="_blank" rel="opener">h</a><a href="mailto:a@b.example">i</a>`,
    );
    expect(out).not.toMatch(/javascript|data:|vbscript|evil|target|opener"/i);
    expect(out).toContain(`<a href="https://ok.example/" rel="nofollow noopener noreferrer ugc">h</a>`);
    expect(out).toContain(`<a href="mailto:a@b.example" rel="nofollow noopener noreferrer ugc">i</a>`);
    expect(out.match(/href=/g)).toHaveLength(2);
  });

  it("defeats nesting and parser tricks", () => {
    const tricks = [
      `<scr<script>ipt>alert(1)</script>`,
      `<<script>script>alert(1)<</script>/script>`,
      `<svg><script>alert(1)</script><a xlink:href="javascript:alert(1)">x</a></svg>`,
      `<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`,
      `<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>`,
      `<p title="&quot;><img src=x onerror=alert(1)>">t</p>`,
      `<a href="https://ok.example/" onfocus="alert(1)" autofocus>x</a>`,
      `<!--<img src=x onerror=alert(1)>-->`,
      `<xmp><img src=x onerror=alert(1)></xmp>`,
    ];
    for (const trick of tricks) {
      const out = sanitizeRemoteHtml(trick);
      expect(out, trick).not.toMatch(/<(script|img|svg|math|style|iframe|xmp|noscript)\b|on\w+=|javascript:/i);
    }
  });

  it("keeps the formatting fediverse posts use", () => {
    const formatted =
      `<p>a<br />b</p><blockquote><p><em>q</em> <i>i</i> <u>u</u> <s>s</s> <del>d</del></p></blockquote>` +
      `<ul><li>one</li></ul><ol start="2"><li>two</li></ol><pre><code>x &lt; y</code></pre>`;
    expect(sanitizeRemoteHtml(formatted)).toBe(formatted);
  });

  it("keeps Mastodon's mention, hashtag and link-shortening classes, and only those", () => {
    const mention = `<span class="h-card"><a href="https://social.example/@bob" class="u-url mention">@<span>bob</span></a></span>`;
    expect(sanitizeRemoteHtml(mention)).toBe(
      `<span class="h-card"><a href="https://social.example/@bob" rel="nofollow noopener noreferrer ugc">@<span>bob</span></a></span>`,
    );
    expect(sanitizeRemoteHtml(`<span class="invisible">https://</span><span class="ellipsis big">x.example/</span>`))
      .toBe(`<span class="invisible">https://</span><span class="ellipsis">x.example/</span>`);
    expect(sanitizeRemoteHtml(`<span class="evil">x</span><p class="mention">y</p>`)).toBe(`<span>x</span><p>y</p>`);
  });

  it("turns headings into bold text so posts cannot break the page outline", () => {
    expect(sanitizeRemoteHtml(`<h1>Big</h1><h6>small</h6>`)).toBe(`<strong>Big</strong><strong>small</strong>`);
  });
});

describe("escaping helpers", () => {
  it("html escapes interpolated text but not SafeHtml", () => {
    expect(html`<p title="${`"x"`}">${HOSTILE}${new SafeHtml("<b>ok</b>")}${null}${false}${[1, "<"]}</p>`.toString())
      .toBe(`<p title="&quot;x&quot;">&lt;img src=x onerror=alert(1)&gt;<b>ok</b>1&lt;</p>`);
  });

  it("textToParagraphs escapes and splits operator text", () => {
    expect(textToParagraphs("a <b>\nc\n\nd").toString()).toBe("<p>a &lt;b&gt;<br>c</p><p>d</p>");
  });

  it("httpUrl accepts only absolute http(s) URLs", () => {
    expect(httpUrl("https://a.example/x")).toBe("https://a.example/x");
    expect(httpUrl("javascript:alert(1)")).toBeNull();
    expect(httpUrl("data:text/html,x")).toBeNull();
    expect(httpUrl("/relative")).toBeNull();
    expect(httpUrl(null)).toBeNull();
  });
});

describe("home page", () => {
  const view: HomeView = { instance, communities: [community] };

  it("lists communities with their facts", () => {
    const page = renderHomePage(view, "en");
    expect(page).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(page).toContain(`<h1>Praxis Occitanie</h1>`);
    expect(page).toContain(`<a href="https://cop.example/communities/nurses">Nurses</a>`);
    expect(page).toContain(`<code>@nurses@cop.example</code>`);
    for (const badge of ["Regional", "Learn stream", "English and French", "3 members", "Closed"]) {
      expect(page).toContain(`<li>${badge}</li>`);
    }
  });

  it("escapes everything the operator wrote", () => {
    const page = renderHomePage({
      instance: { ...instance, name: HOSTILE, description: `</p><script>alert(1)</script>` },
      communities: [{ ...community, name: HOSTILE, summary: HOSTILE, url: `"><script>alert(1)</script>` }],
    }, "en");
    expect(main(page)).not.toMatch(/<img|<script/);
    expect(page).toContain(`<h1>&lt;img src=x onerror=alert(1)&gt;</h1>`);
    expect(page).toContain(`<title>&lt;img src=x onerror=alert(1)&gt;</title>`);
  });

  it("explains how to create a community when there is none", () => {
    const page = main(renderHomePage({ instance, communities: [] }, "en"));
    expect(page).toContain(`<code>npx praxis community create &lt;slug&gt; --name &quot;&lt;Name&gt;&quot;</code>`);
    expect(page).not.toContain(`<ul`);
  });

  it("renders in French", () => {
    const page = renderHomePage({ instance, communities: [{ ...community, memberCount: 1 }] }, "fr");
    expect(page).toContain(`<html lang="fr">`);
    expect(page).toContain(`<h2>Communautés</h2>`);
    for (const badge of ["Régional", "Volet Apprendre", "anglais et français", "1 membre", "Fermée"]) {
      expect(page).toContain(`<li>${badge}</li>`);
    }
    expect(page).toContain(`<a href="?lang=fr" hreflang="fr" lang="fr" aria-current="true">Français</a>`);
  });
});

describe("community page", () => {
  it("describes the community and how to follow it", () => {
    const page = main(communityPage([]));
    expect(page).toContain(`<h1>Nurses</h1>`);
    expect(page).toContain(`3 members`);
    expect(page).toContain(`<dt>Membership</dt><dd>Closed: moderators approve new members</dd>`);
    expect(page).toContain(`<dt>Who can post</dt><dd>Members</dd>`);
    expect(page).toContain(`<time datetime="2025-03-12T14:05:00Z">March 12, 2025</time>`);
    expect(page).toContain(`<h2>How to follow from Mastodon</h2>`);
    expect(page).toContain(`search for <code>@nurses@cop.example</code>.`);
    expect(page).toContain(`a moderator reviews your request`);
    expect(page).toContain(`mention <code>@nurses@cop.example</code> in a public post`);
    expect(page).toContain(`<p>No posts yet.</p>`);
  });

  it("shows a closed community's notice in place of its posts, in English and French", () => {
    const view = { instance, community, posts: [], contentVisible: false, fromSubcommunities: [] };
    const en = main(renderCommunityPage(view, "en"));
    expect(en).toContain(`<h2 id="posts-heading">Posts for members only</h2>`);
    expect(en).toContain(`its posts are shared with its members only`);
    expect(en).not.toContain(`<h2>Recent posts</h2>`);
    expect(en).not.toContain(`From sub-communities`);
    const fr = main(renderCommunityPage(view, "fr"));
    expect(fr).toContain(`<h2 id="posts-heading">Publications réservées aux membres</h2>`);
    expect(fr).not.toContain(`Publications récentes`);
  });

  it("tells open communities that following is enough", () => {
    const page = main(communityPage([], { closed: false, postingPolicy: "anyone" }));
    expect(page).toContain(`You are a member straight away`);
    expect(page).not.toContain(`moderator`);
    expect(page).toContain(`<dd>Anyone on the fediverse</dd>`);
  });

  it("renders posts with title, author, date, content warning, reply and original link", () => {
    const page = main(communityPage([post({ name: "Night shifts", summary: "Long read", inReplyTo: "https://social.example/objects/0" })]));
    expect(page).toContain(`<h3 lang="">Night shifts</h3>`);
    expect(page).toContain(`<a href="https://social.example/users/alice" rel="nofollow noopener noreferrer ugc">Alice</a> @alice@social.example`);
    expect(page).toContain(`<time datetime="2025-03-14T09:30:00Z">March 14, 2025 at 9:30 AM UTC</time>`);
    expect(page).toMatch(/<details>\n<summary>Content warning: Long read<\/summary>\n<div class="content" lang=""><p>Hello <strong>everyone<\/strong><\/p><\/div>\n<\/details>/);
    expect(page).toContain(`<a href="https://social.example/objects/0" rel="nofollow noopener noreferrer ugc">Reply to another post</a>`);
    expect(page).toContain(`<a href="https://social.example/@alice/1" rel="nofollow noopener noreferrer ugc">View original</a>`);
  });

  it("sanitises remote content and escapes every other remote field", () => {
    const page = main(communityPage([post({
      authorName: HOSTILE,
      authorHandle: `<script>alert(1)</script>`,
      name: HOSTILE,
      summary: `</summary><script>alert(1)</script>`,
      contentHtml: `<p>hi</p><script>alert(1)</script>${HOSTILE}`,
      published: `"><script>alert(1)</script>`,
      url: "javascript:alert(1)",
      authorUri: "javascript:alert(2)",
      inReplyTo: "data:text/html,<script>alert(3)</script>",
    })], { name: HOSTILE, summary: HOSTILE, handle: `<b>@x@y</b>` }));
    expect(main(page)).not.toMatch(/<img|<script|<b>|javascript:|data:/);
    expect(page).toContain(`<h1>&lt;img src=x onerror=alert(1)&gt;</h1>`);
    expect(page).toContain(`<div class="content" lang=""><p>hi</p></div>`);
    // Unusable URLs are shown as text, not links.
    expect(page).toContain(`<p class="byline">&lt;img src=x onerror=alert(1)&gt; &lt;script&gt;`);
    expect(page).not.toContain(`View original`);
  });

  it("shows an Article's summary as an excerpt, never as a content warning or escaped markup", () => {
    // NodeBB: the summary is an HTML excerpt of the content.
    const nodebb = main(communityPage([post({ type: "Article", name: "First month", summary: "<p>We built <strong>three</strong> benches.</p>",
      contentHtml: "<p>We built <strong>three</strong> benches.</p><p>And one stool.</p>" })]));
    expect(nodebb).not.toContain("Content warning");
    expect(nodebb).not.toContain("&lt;p&gt;");
    expect(nodebb).toContain(`<div class="content" lang=""><p>We built <strong>three</strong> benches.</p><p>And one stool.</p></div>`);
    // Without content, the excerpt stands in for it, sanitised like content.
    const excerptOnly = main(communityPage([post({ type: "Page", summary: `<p>Short <em>intro</em></p><script>alert(1)</script>`, contentHtml: null })]));
    expect(excerptOnly).toContain(`<div class="content" lang=""><p>Short <em>intro</em></p></div>`);
    expect(excerptOnly).not.toContain("<script");
    // A Note the sender says is not sensitive has no warning either.
    expect(main(communityPage([post({ summary: "A summary", sensitive: false })]))).not.toContain("Content warning");
  });

  it("shows a content warning as text, whatever markup it carries", () => {
    const page = main(communityPage([post({ summary: "<p>Spoilers &amp; <b>plot</b></p>", sensitive: true })]));
    expect(page).toContain(`<summary>Content warning: Spoilers &amp; plot</summary>`);
  });

  it("shows when and where an event takes place, and marks videos and audio", () => {
    const event = main(communityPage([post({
      type: "Event", name: "Repair café", startsAt: "2026-12-12T13:00:00.000Z", endsAt: "2026-12-12T16:30:00.000Z", location: "<Maison>",
    })]));
    expect(event).toContain(`<span class="badge">Event</span>`);
    expect(event).toContain(`<p>When: <time datetime="2026-12-12T13:00:00.000Z">December 12, 2026 at 1:00 PM UTC</time> – <time datetime="2026-12-12T16:30:00.000Z">December 12, 2026 at 4:30 PM UTC</time></p>`);
    expect(event).toContain(`<p>Where: &lt;Maison&gt;</p>`);
    expect(main(communityPage([post({ type: "Video" })]))).toContain(`<span class="badge">Video</span>`);
    expect(main(communityPage([post({ type: "Audio" })], {}, "fr"))).toContain(`<span class="badge">Audio</span>`);
  });

  it("shows the author's handle, else their URI, when there is no display name", () => {
    expect(main(communityPage([post({ authorName: " " })]))).toContain(`rel="nofollow noopener noreferrer ugc">@alice@social.example</a>`);
    expect(main(communityPage([post({ authorName: null, authorHandle: null })])))
      .toContain(`rel="nofollow noopener noreferrer ugc">https://social.example/users/alice</a>`);
  });

  it("renders in French", () => {
    const page = communityPage([post()], { memberCount: 0 }, "fr");
    expect(page).toContain(`<html lang="fr">`);
    expect(page).toContain(`0 membre<`);
    expect(page).toContain(`<h2>Suivre depuis Mastodon</h2>`);
    expect(page).toContain(`<h2 id="posts-heading">Publications récentes</h2>`);
    expect(page).toContain(`<dt>Échelle</dt><dd>Régional</dd>`);
    expect(page).toContain(`<dt>Volet</dt><dd>Apprendre</dd>`);
    expect(page).toContain(`14 mars 2025 à 09:30 UTC`);
    expect(page).toContain(`Voir l’original`);
  });
});

describe("error page", () => {
  it("has a translated title per status and escapes the detail", () => {
    const page = renderErrorPage({ instance, status: 404, detail: HOSTILE }, "en");
    expect(page).toContain(`<title>Page not found · Praxis Occitanie</title>`);
    expect(page).toContain(`<h1>Page not found</h1>`);
    expect(page).toContain(`<p>&lt;img src=x onerror=alert(1)&gt;</p>`);
    expect(renderErrorPage({ instance, status: 406 }, "fr")).toContain(`<h1>Format non disponible</h1>`);
    expect(renderErrorPage({ instance, status: 410 }, "fr")).toContain(`<h1>Cette page n’existe plus</h1>`);
  });

  it("falls back to a generic client or server message", () => {
    expect(renderErrorPage({ instance, status: 418 }, "en")).toContain(`<h1>This request could not be handled</h1>`);
    expect(renderErrorPage({ instance, status: 500 }, "en")).toContain(`<h1>Something went wrong on our side</h1>`);
    expect(renderErrorPage({ instance, status: 502 }, "fr")).toContain(`<p class="muted">Erreur 502</p>`);
  });
});

describe("layout", () => {
  it("is an accessible document shell", () => {
    const page = renderHomePage({ instance, communities: [] }, "en");
    expect(page).toContain(`<meta name="viewport" content="width=device-width, initial-scale=1">`);
    expect(page).toContain(`<a class="skip-link" href="#main">Skip to main content</a>`);
    expect(page).toContain(`<main id="main">`);
    expect(page).toContain(`<nav aria-label="Language">`);
    expect(page).toContain(`<a class="site-name" href="/">Praxis Occitanie</a>`);
    expect(page).toContain(`<footer class="site-footer"><p>Powered by Praxis<span aria-hidden="true"> · </span><a href="/login">Sign in (moderators)</a></p></footer>`);
    expect(page).toContain(`<a href="?lang=en" hreflang="en" lang="en" aria-current="true">English</a>`);
    // The one inline script (copy buttons), allowed by hash; nothing loaded from elsewhere.
    expect(page.match(/<script/g)).toHaveLength(1);
    expect(page).not.toMatch(/src=|<link rel="stylesheet"/);
  });

  it("allows exactly its inline stylesheet in the CSP", async () => {
    const { createHash } = await import("node:crypto");
    const page = renderHomePage({ instance, communities: [] }, "en");
    const css = page.slice(page.indexOf("<style>") + 7, page.indexOf("</style>"));
    expect(CONTENT_SECURITY_POLICY).toContain(`style-src 'sha256-${createHash("sha256").update(css).digest("base64")}'`);
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
  });
});

describe("moderation on the community page", () => {
  it("marks pinned and locked posts and says when only moderators start threads, in English and French", () => {
    const en = communityPage([post({ pinned: true, locked: true })], { announcementOnly: true });
    expect(en).toContain(">Pinned<");
    expect(en).toContain(">Locked<");
    expect(en).toContain("Moderators start threads");
    const fr = communityPage([post({ pinned: true })], { announcementOnly: true }, "fr");
    expect(fr).toContain(">Épinglé<");
    expect(fr).toContain("Les modérateurs ouvrent les fils");
    expect(communityPage([post()])).not.toContain(">Pinned<");
  });
});

describe("i18n", () => {
  it("has the same keys in every catalogue", () => {
    expect(messageKeys("fr").sort()).toEqual(messageKeys("en").sort());
  });

  it("picks the explicit choice, then Accept-Language by q-value, then the fallback", () => {
    expect(pickLanguage("en-GB,en;q=0.9", "fr", "en")).toBe("fr");
    expect(pickLanguage("fr", "FR-ca", "en")).toBe("fr");
    expect(pickLanguage("fr", "de", "en")).toBe("fr"); // unsupported explicit choice is ignored
    expect(pickLanguage("fr-CA,fr;q=0.9,en;q=0.8", undefined, "en")).toBe("fr");
    expect(pickLanguage("en;q=0.5, fr;q=0.8", undefined, "en")).toBe("fr");
    expect(pickLanguage("de-DE,de;q=0.9,fr;q=0.7,en;q=0.6", undefined, "en")).toBe("fr");
    expect(pickLanguage("fr;q=0, en;q=0.1", undefined, "fr")).toBe("en");
    expect(pickLanguage("en, fr", undefined, "fr")).toBe("en"); // equal q: header order
    expect(pickLanguage("fr;q=abc, en;q=0.2", undefined, "fr")).toBe("en");
    expect(pickLanguage("de, *;q=0.5", undefined, "fr")).toBe("fr");
    expect(pickLanguage("de", undefined, "fr")).toBe("fr");
    expect(pickLanguage("", undefined, "en")).toBe("en");
    expect(pickLanguage(undefined, undefined, "fr")).toBe("fr");
  });

  it("counts with each language's plural rules and number format", () => {
    expect(t("en", "community.members", { count: 0 })).toBe("0 members");
    expect(t("en", "community.members", { count: 1 })).toBe("1 member");
    expect(t("en", "community.members", { count: 1234 })).toBe("1,234 members");
    expect(t("fr", "community.members", { count: 0 })).toBe("0 membre");
    expect(t("fr", "community.members", { count: 1 })).toBe("1 membre");
    expect(t("fr", "community.members", { count: 3 })).toBe("3 membres");
    expect(t("fr", "community.members", { count: 1_000_000 })).toBe("1\u202f000\u202f000 membres");
  });

  it("names languages in the page language", () => {
    expect(formatLanguageList("en", ["fr"])).toBe("French");
    expect(formatLanguageList("fr", ["en", "fr", "oc"])).toBe("anglais, français et occitan");
    expect(formatLanguageList("en", ["not a tag"])).toBe("not a tag");
  });
});
