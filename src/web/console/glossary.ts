// A community's glossary in the console: its own and inherited definitions,
// a form to define a term (defining it again makes a new version) and a
// button to remove one of its own. The same operations as `praxis term`.
import { Hono } from "hono";
import type { Community } from "../../domain/community.ts";
import { defineTerm, listTermsOf, removeTerm } from "../../operations/glossary.ts";
import { formatLanguageList, t, tHtml } from "../i18n.ts";
import { html, httpUrl, REMOTE_LINK_REL, type SafeHtml } from "../sanitize.ts";
import { actionButton, field, form, idOf, select } from "./forms.ts";
import type { Console, ConsoleContext, ConsoleEnv, PageContext } from "./index.ts";
import { communityTabs } from "./layout.ts";

export function glossaryConsoleRoutes(con: Console): Hono<ConsoleEnv> {
  const r = new Hono<ConsoleEnv>();

  async function render(c: ConsoleContext, pc: PageContext): Promise<Response> {
    const community = await con.community(c);
    return con.page(c, pc, `${community.name} · ${t(pc.lang, "tabs.glossary")}`, await body(pc, community));
  }

  async function body(pc: PageContext, community: Community): Promise<SafeHtml> {
    const l = pc.lang;
    const base = `/console/c/${community.slug}/glossary`;
    const entries = await listTermsOf(con.ops, community, { wait: false });
    const languages: [string, string][] = (["en", "fr"] as const).map((code) => [code, formatLanguageList(l, [code])]);
    const defaultLanguage = community.languages.find((x) => x === "en" || x === "fr") ?? "en";
    const list = entries.map((e) => {
      const from = e.inherited
        ? tHtml(l, "glossary.inheritedFrom", { community: httpUrl(e.community) ? html`<a href="${e.community}" rel="${REMOTE_LINK_REL}">${e.communityName ?? e.community}</a>` : e.community })
        : html`${t(l, e.refines ? "glossary.refines" : "glossary.local")}`;
      return html`<li class="card"><h3><span lang="${e.language}">${e.term}</span> <small class="muted">${e.language}</small></h3>
<p lang="${e.language}">${e.definition}</p>
<p class="muted">${from} · ${t(l, "glossary.version", { version: e.version })}</p>
${!e.inherited && html`<div class="actions">${actionButton(pc.fc, {
        id: idOf("remove", e.key, e.language), action: `${base}/remove`, label: t(l, "console.glossary.remove"),
        hidden: { term: e.term, language: e.language }, secondary: true, confirm: t(l, "console.glossary.confirmRemove", { term: e.term }),
      })}</div>`}</li>`;
    });
    return html`<h1>${community.name}</h1>
<p><a href="/c/${community.slug}/glossary">${t(l, "glossary.title", { name: community.name })}</a></p>
${communityTabs(community, "glossary", l)}
<h2>${t(l, "console.glossary.heading")}</h2>
${form(pc.fc, { id: "define", action: `${base}/define`, submit: t(l, "console.glossary.submit"), content: html`${
      field(pc.fc, "define", { name: "term", label: t(l, "console.glossary.term"), required: true })}${
      field(pc.fc, "define", { name: "definition", label: t(l, "console.glossary.definition"), type: "textarea", required: true })}${
      select(pc.fc, "define", { name: "language", label: t(l, "console.glossary.language"), value: defaultLanguage, options: languages })}${
      field(pc.fc, "define", { name: "source", label: t(l, "console.glossary.source"), hint: t(l, "console.glossary.sourceHint") })}` })}
<h2>${t(l, "glossary.link")}</h2>
${entries.length === 0 ? html`<p>${t(l, "glossary.none")}</p>` : html`<ul class="card-list">${list}</ul>`}`;
  }

  r.get("/:slug/glossary", (c) => render(c, con.pageContext(c)));

  r.post("/:slug/glossary/define", async (c) => {
    const community = await con.community(c);
    return con.action({
      formId: () => "define", render, back: () => `/console/c/${community.slug}/glossary`,
      run: async (_c, f, pc) => {
        const { entry, changed } = await defineTerm(con.ops, community.slug, f.term ?? "", {
          definition: f.definition ?? "", language: f.language, source: f.source,
        }, pc.by);
        return { flash: t(pc.lang, changed ? "console.glossary.saved" : "console.glossary.unchanged", { term: entry.term, version: entry.version }) };
      },
    })(c);
  });

  r.post("/:slug/glossary/remove", async (c) => {
    const community = await con.community(c);
    return con.action({
      formId: (f) => idOf("remove", f.term ?? "", f.language ?? ""), render, back: () => `/console/c/${community.slug}/glossary`,
      run: async (_c, f, pc) => {
        await removeTerm(con.ops, community.slug, f.term ?? "", { language: f.language }, pc.by);
        return { flash: t(pc.lang, "console.glossary.removed", { term: f.term ?? "" }) };
      },
    })(c);
  });

  return r;
}
