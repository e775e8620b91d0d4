// A community's meetings in the console, for its facilitators: the upcoming
// occurrences with their attendance, a form to schedule a meeting (or a
// series), and buttons to cancel one date or the whole series. The same
// operations as `praxis meeting …` and the admin API.
import { Hono } from "hono";
import type { Community } from "../../domain/community.ts";
import { REPEAT_RULES } from "../../domain/recurrence.ts";
import { cancelMeeting, createMeeting, listMeetings } from "../../operations/meetings.ts";
import { t } from "../i18n.ts";
import { formatWhen } from "../pages/meetings.ts";
import { html } from "../sanitize.ts";
import { actionButton, field, form, idOf, select } from "./forms.ts";
import type { ActionResult, Console, ConsoleContext, ConsoleEnv, PageContext } from "./index.ts";
import { communityTabs } from "./layout.ts";

export function consoleMeetingRoutes(con: Console): Hono<ConsoleEnv> {
  const r = new Hono<ConsoleEnv>();

  async function render(c: ConsoleContext, pc: PageContext) {
    const community = await con.community(c);
    const { fc, lang } = pc;
    const rows = await listMeetings(con.ops, community.slug);
    const base = `/console/c/${community.slug}/meetings`;
    const list = rows.length === 0 ? html`<p>${t(lang, "meetings.none")}</p>` : html`<table>
<thead><tr><th scope="col">${t(lang, "meetings.when")}</th><th scope="col">${t(lang, "console.meetings.title")}</th><th scope="col">${t(lang, "console.meetings.attending")}</th><th scope="col">${t(lang, "console.meetings.actions")}</th></tr></thead>
<tbody>${rows.map((o) => html`<tr>
<td><a href="${o.url}">${formatWhen(lang, o)}</a> <span class="muted">(${o.timezone})</span></td>
<td>${o.title}${o.status === "cancelled" && html` — <strong>${t(lang, "meetings.cancelled")}</strong>`}</td>
<td>${o.capacity !== null ? `${o.attending}/${o.capacity}` : String(o.attending)}</td>
<td>${o.status !== "cancelled" && html`${actionButton(fc, {
    id: idOf("cancel", o.id), action: `${base}/cancel`, label: t(lang, "console.meetings.cancelOne"), hidden: { id: o.id }, secondary: true,
    confirm: t(lang, "console.meetings.confirmCancel"),
  })}${actionButton(fc, {
    id: idOf("cancel", o.meeting), action: `${base}/cancel`, label: t(lang, "console.meetings.cancelSeries"), hidden: { id: o.meeting }, danger: true,
    confirm: t(lang, "console.meetings.confirmCancel"),
  })}`}</td>
</tr>`)}</tbody></table>`;
    const create = form(fc, {
      id: "create", action: `${base}/create`, submit: t(lang, "console.meetings.schedule"),
      content: html`${field(fc, "create", { name: "title", label: t(lang, "console.meetings.title"), required: true })}
${field(fc, "create", { name: "start", label: t(lang, "console.meetings.start"), hint: t(lang, "console.meetings.startHint"), required: true })}
${field(fc, "create", { name: "duration", label: t(lang, "console.meetings.duration"), value: "60", required: true })}
${field(fc, "create", { name: "timezone", label: t(lang, "console.meetings.timezone"), hint: t(lang, "console.meetings.timezoneHint"), value: "UTC" })}
${select(fc, "create", { name: "repeat", label: t(lang, "console.meetings.repeat"), value: "", options: [["", t(lang, "console.meetings.once")],
  ...REPEAT_RULES.map((rule): [string, string] => [rule, t(lang, `meetings.repeats.${rule}`)])] })}
${field(fc, "create", { name: "count", label: t(lang, "console.meetings.count"), hint: t(lang, "console.meetings.countHint") })}
${field(fc, "create", { name: "until", label: t(lang, "console.meetings.until"), hint: t(lang, "console.meetings.untilHint") })}
${field(fc, "create", { name: "place", label: t(lang, "meetings.where") })}
${field(fc, "create", { name: "online", label: t(lang, "console.meetings.online"), hint: "https://…" })}
${field(fc, "create", { name: "capacity", label: t(lang, "console.meetings.capacity"), hint: t(lang, "console.meetings.capacityHint") })}
${field(fc, "create", { name: "description", label: t(lang, "console.meetings.description"), type: "textarea" })}`,
    });
    return con.page(c, pc, `${community.name} · ${t(lang, "tabs.meetings")}`, html`<h1>${community.name}</h1>
<p><a href="/c/${community.slug}">${t(lang, "console.publicPage")}</a> · <a href="/c/${community.slug}/calendar.ics">${t(lang, "meetings.calendar")}</a></p>
${communityTabs(community, "meetings", lang)}
<section><h2>${t(lang, "meetings.heading")}</h2>${list}</section>
<section><h2>${t(lang, "console.meetings.schedule")}</h2>${create}</section>`);
  }

  const action = (name: string, run: (f: Record<string, string>, pc: PageContext, community: Community) => Promise<ActionResult>) =>
    r.post(`/:slug/meetings/${name}`, async (c) => {
      const community = await con.community(c);
      return con.action({
        formId: (f) => (name === "create" ? "create" : idOf(name, f.id ?? "")), render,
        back: () => `/console/c/${community.slug}/meetings`,
        run: (_c, f, pc) => run(f, pc, community),
      })(c);
    });

  r.get("/:slug/meetings", (c) => render(c, con.pageContext(c)));
  const blankIsNull = (v: string | undefined) => (v === undefined || v.trim() === "" ? undefined : v);
  action("create", async (f, pc, community) => {
    const m = await createMeeting(con.ops, community.slug, {
      title: f.title ?? "", start: f.start ?? "", duration: f.duration ?? "", timezone: blankIsNull(f.timezone),
      repeat: blankIsNull(f.repeat), count: blankIsNull(f.count), until: blankIsNull(f.until), place: blankIsNull(f.place),
      online: blankIsNull(f.online), capacity: blankIsNull(f.capacity), description: blankIsNull(f.description),
    }, pc.by);
    return { flash: t(pc.lang, "console.meetings.scheduled", { title: m.title }) };
  });
  action("cancel", async (f, pc, community) => {
    const m = await cancelMeeting(con.ops, community.slug, f.id ?? "", {}, pc.by);
    return { flash: t(pc.lang, "console.meetings.cancelledFlash", { title: m.title }) };
  });
  return r;
}
