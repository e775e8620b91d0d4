// A working group's deliverables in the console: the list with a form per
// deliverable (status, title, due date, result) and a form to add one.
// Every action calls the operation the CLI and the admin API call.
import { Hono } from "hono";
import type { Community } from "../../domain/community.ts";
import { DELIVERABLE_STATUSES } from "../../domain/working-groups.ts";
import { addDeliverable, listDeliverables, updateDeliverable } from "../../operations/deliverables.ts";
import { t } from "../i18n.ts";
import { html } from "../sanitize.ts";
import { field, form, idOf, radios } from "./forms.ts";
import type { Console, ConsoleContext, ConsoleEnv, PageContext } from "./index.ts";
import { communityTabs } from "./layout.ts";

const STATUS_KEYS = { planned: "wg.status.planned", "in-progress": "wg.status.in-progress", done: "wg.status.done" } as const;

export function deliverableConsoleRoutes(con: Console): Hono<ConsoleEnv> {
  const r = new Hono<ConsoleEnv>();

  async function view(c: ConsoleContext, pc: PageContext): Promise<Response> {
    const community = await con.community(c);
    return con.page(c, pc, `${community.name} · ${t(pc.lang, "tabs.deliverables")}`, await render(pc, community));
  }

  async function render(pc: PageContext, community: Community) {
    const l = pc.lang;
    const base = `/console/c/${community.slug}/deliverables`;
    const items = await listDeliverables(con.ops, community.slug);
    const editable = community.stream === "build" && community.archivedAt === null;
    const statusOptions = DELIVERABLE_STATUSES.map((s) => [s, t(l, STATUS_KEYS[s])] as [string, string]);
    return html`<h1>${community.name}</h1>
<p><a href="/c/${community.slug}">${t(l, "console.publicPage")}</a></p>
${communityTabs(community, "deliverables", l)}
${community.archivedAt !== null ? html`<p class="notice">${t(l, "wgc.archived")}</p>`
    : community.stream !== "build" && html`<p class="notice">${t(l, "wgc.notWorkingGroup")}</p>`}
<h2>${t(l, "wg.deliverables")}</h2>
${items.length === 0 ? html`<p>${t(l, "wg.noDeliverables")}</p>` : html`<ul class="card-list">${items.map((d) => {
      const id = idOf("update", d.id);
      return html`<li class="card"><h3>${d.title}</h3><p class="muted">${t(l, STATUS_KEYS[d.status])}${d.due && html` · ${d.due}`}</p>
${editable && html`<details><summary>${t(l, "wgc.save")}</summary>${form(pc.fc, { id, action: `${base}/update`, submit: t(l, "wgc.save"), content: html`<input type="hidden" name="id" value="${d.id}">${
        radios(pc.fc, id, { name: "status", legend: t(l, "wgc.status"), value: d.status, options: statusOptions })}${
        field(pc.fc, id, { name: "title", label: t(l, "wgc.title"), value: d.title, required: true })}${
        field(pc.fc, id, { name: "due", label: t(l, "wgc.due"), hint: t(l, "wgc.dueHint"), value: d.due ?? "" })}${
        field(pc.fc, id, { name: "resource", label: t(l, "wgc.resource"), hint: t(l, "wgc.resourceHint"), value: d.resourceUri ?? "" })}` })}</details>`}</li>`;
    })}</ul>`}
${editable && html`<h2>${t(l, "wgc.add")}</h2>
${form(pc.fc, { id: "add", action: `${base}/add`, submit: t(l, "wgc.add"), content: html`${
      field(pc.fc, "add", { name: "title", label: t(l, "wgc.title"), required: true })}${
      field(pc.fc, "add", { name: "due", label: t(l, "wgc.due"), hint: t(l, "wgc.dueHint") })}${
      field(pc.fc, "add", { name: "resource", label: t(l, "wgc.resource"), hint: t(l, "wgc.resourceHint") })}` })}`}`;
  }

  r.get("/:slug/deliverables", (c) => view(c, con.pageContext(c)));

  r.post("/:slug/deliverables/add", async (c) => {
    const community = await con.community(c);
    return con.action({
      formId: () => "add", fields: { community: "_form" }, render: view, back: () => `/console/c/${community.slug}/deliverables`,
      run: async (_c, f, pc) => {
        const d = await addDeliverable(con.ops, community.slug, { title: f.title ?? "", due: f.due ?? "", resource: f.resource ?? "" }, pc.by);
        return { flash: t(pc.lang, "wgc.added", { title: d.title }) };
      },
    })(c);
  });

  r.post("/:slug/deliverables/update", async (c) => {
    const community = await con.community(c);
    return con.action({
      formId: (f) => idOf("update", f.id ?? ""), fields: { community: "_form", options: "_form" }, render: view,
      back: () => `/console/c/${community.slug}/deliverables`,
      run: async (_c, f, pc) => {
        const d = await updateDeliverable(con.ops, community.slug, f.id ?? "", {
          title: f.title, status: f.status, due: f.due, resource: f.resource,
        }, pc.by);
        return { flash: t(pc.lang, "wgc.updated", { title: d.title }) };
      },
    })(c);
  });
  return r;
}
