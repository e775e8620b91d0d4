// The console's resource centre for a community: add a resource (a link or
// Markdown), remove one, and mark a practice status, through the same
// operations as the CLI and the admin API.
import { Hono } from "hono";
import type { Community } from "../../domain/community.ts";
import { PRACTICE_STATUSES } from "../../domain/practice.ts";
import { RESOURCE_KINDS, RESOURCE_LANGUAGES } from "../../domain/resources.ts";
import { promotePost } from "../../operations/links.ts";
import { listPractice, markPractice, practiceOffers } from "../../operations/practice.ts";
import { addResource, listResources, removeResource } from "../../operations/resources.ts";
import { t } from "../i18n.ts";
import { renderPracticeBadge } from "../pages/resources.ts";
import { html, type SafeHtml } from "../sanitize.ts";
import { actionButton, field, form, idOf, select } from "./forms.ts";
import { communityTabs } from "./layout.ts";
import type { ActionResult, Console, ConsoleContext, ConsoleEnv, PageContext } from "./index.ts";

const KIND_KEYS = {
  tool: "resources.kind.tool", protocol: "resources.kind.protocol", report: "resources.kind.report",
  template: "resources.kind.template", other: "resources.kind.other",
} as const;

export function resourceConsoleRoutes(con: Console): Hono<ConsoleEnv> {
  const r = new Hono<ConsoleEnv>();

  async function render(c: ConsoleContext, pc: PageContext): Promise<Response> {
    const community = await con.community(c);
    const l = pc.lang;
    const base = `/console/c/${community.slug}/resources`;
    const resources = (await listResources(con.ops, community.slug)).filter((x) => x.type !== "Deliverable");
    const practices = await listPractice(con.ops, community.slug);
    const offers = await practiceOffers(con.ops, community.slug);
    const body: SafeHtml = html`<h1>${community.name} · ${t(l, "resources.heading")}</h1>
${communityTabs(community, "resources", l)}
<p><a href="/console/c/${community.slug}">${t(l, "console.resources.back")}</a> · <a href="/c/${community.slug}/resources">${t(l, "console.publicPage")}</a></p>
<h2>${t(l, "console.resources.add")}</h2>
${form(pc.fc, { id: "add", action: `${base}/add`, submit: t(l, "console.resources.add"), content: html`
${field(pc.fc, "add", { name: "title", label: t(l, "console.resources.title"), required: true })}
${field(pc.fc, "add", { name: "url", label: t(l, "console.resources.url"), hint: t(l, "console.resources.urlHint") })}
${field(pc.fc, "add", { name: "markdown", label: t(l, "console.resources.markdown"), type: "textarea" })}
${select(pc.fc, "add", { name: "kind", label: t(l, "resources.kind"), value: "other", options: RESOURCE_KINDS.map((k) => [k, t(l, KIND_KEYS[k])]) })}
${select(pc.fc, "add", { name: "language", label: t(l, "resources.language"), value: "", options: [["", "—"], ...RESOURCE_LANGUAGES.map((x): [string, string] => [x, x])] })}` })}
<h2>${t(l, "resources.heading")}</h2>
${resources.length === 0 ? html`<p>${t(l, "resources.none")}</p>` : html`<ul class="card-list">${resources.map((x) => html`<li>
<a href="${x.uri}">${x.title}</a> <span class="muted">${t(l, KIND_KEYS[x.kind as keyof typeof KIND_KEYS] ?? "resources.kind.other")} · v${x.version}</span> ${renderPracticeBadge(x.practiceStatus, l)}
<div class="actions">${actionButton(pc.fc, { id: idOf("remove", x.id), action: `${base}/remove`, label: t(l, "console.resources.remove"), hidden: { id: x.id }, danger: true, confirm: t(l, "console.resources.confirmRemove") })}</div>
</li>`)}</ul>`}
<h2>${t(l, "console.resources.mark")}</h2>
${form(pc.fc, { id: "mark", action: `${base}/mark`, submit: t(l, "console.resources.mark"), content: html`
${field(pc.fc, "mark", { name: "object", label: t(l, "console.resources.object"), required: true })}
${select(pc.fc, "mark", { name: "status", label: t(l, "practice.status"), value: "proposed", options: PRACTICE_STATUSES.map((s): [string, string] => [s, t(l, `practice.${s}`)]) })}
${field(pc.fc, "mark", { name: "note", label: t(l, "console.resources.note"), hint: t(l, "console.resources.noteHint") })}` })}
<h2>${t(l, "practice.heading")}</h2>
${practices.length === 0 ? html`<p>${t(l, "practice.none")}</p>` : html`<ul>${practices.map((p) => html`<li>${renderPracticeBadge(p.status, l)} <code>${p.object}</code>${
    p.source === "inherited" && html` <span class="muted">${t(l, "practice.inherited", { origin: p.origin })}</span>`}</li>`)}</ul>`}
<h2>${t(l, "console.resources.offers")}</h2>
${offers.length === 0 ? html`<p>${t(l, "console.resources.noOffers")}</p>` : html`<ul class="card-list">${offers.map((o) => html`<li>
${renderPracticeBadge(o.status, l)} ${o.title ?? ""} <code>${o.object}</code> <span class="muted">${t(l, "practice.inherited", { origin: o.origin })}</span>
${o.promotable && html`<div class="actions">${actionButton(pc.fc, { id: idOf("promote", o.object), action: `${base}/promote`, label: t(l, "console.resources.promote"), hidden: { object: o.object } })}</div>`}
</li>`)}</ul>`}`;
    return con.page(c, pc, `${community.name} · ${t(l, "resources.heading")}`, body);
  }

  const action = (name: string, fields: Record<string, string>, run: (f: Record<string, string>, pc: PageContext, community: Community) => Promise<ActionResult>) => {
    r.post(`/:slug/resources/${name}`, async (c) => {
      const community = await con.community(c);
      return con.action({
        formId: (f) => (name === "remove" ? idOf("remove", f.id ?? "") : name === "promote" ? idOf("promote", f.object ?? "") : name), fields, render,
        back: () => `/console/c/${community.slug}/resources`,
        run: (_c, f, pc) => run(f, pc, community),
      })(c);
    });
  };

  r.get("/:slug/resources", (c) => render(c, con.pageContext(c)));
  const opt = (v: string | undefined) => (v === undefined || v.trim() === "" ? undefined : v);
  action("add", { file: "markdown" }, async (f, pc, community) => {
    const res = await addResource(con.ops, community.slug, {
      title: f.title ?? "", url: opt(f.url), markdown: opt(f.markdown), kind: opt(f.kind), language: opt(f.language),
    }, pc.by);
    return { flash: t(pc.lang, "console.resources.added", { title: res.title }) };
  });
  action("remove", {}, async (f, pc, community) => {
    const res = await removeResource(con.ops, community.slug, f.id ?? "", pc.by);
    return { flash: t(pc.lang, "console.resources.removed", { title: res.title }) };
  });
  action("promote", { "object-uri": "object" }, async (f, pc, community) => {
    await promotePost(con.ops, community.slug, f.object ?? "", pc.by);
    return { flash: t(pc.lang, "console.resources.promoted") };
  });
  action("mark", { "object-uri": "object" }, async (f, pc, community) => {
    const m = await markPractice(con.ops, community.slug, f.object ?? "", { status: f.status ?? "", note: f.note }, pc.by);
    return { flash: t(pc.lang, "console.resources.marked", { status: t(pc.lang, `practice.${m.status as "proposed"}`) }) };
  });
  return r;
}
