// The working-group parts of a community page: goal, end date, archived
// badge, the core group's capacity and the deliverables with their status;
// on a parent, its working groups' deliverables.
import { formatDate, t } from "../i18n.ts";
import { html, type SafeHtml } from "../sanitize.ts";
import type { Lang } from "../views.ts";

export interface DeliverableItemView {
  id: string;
  title: string;
  status: string;
  due: string | null;
  /** An http(s) URI (validated when stored). */
  resourceUri: string | null;
}

export interface WorkingGroupView {
  goal: string | null;
  endsAt: string | null;
  archivedAt: string | null;
  maxMembers: number | null;
  members: number;
  /** The group's own deliverables (a Build-stream community), when shown. */
  deliverables: DeliverableItemView[] | null;
  /** Its linked working groups' deliverables, as they arrived. */
  children: (DeliverableItemView & { group: { uri: string; name: string | null; archived: boolean } })[];
}

const STATUS_KEYS = { planned: "wg.status.planned", "in-progress": "wg.status.in-progress", done: "wg.status.done" } as const;

function statusLabel(lang: Lang, status: string): string {
  return status in STATUS_KEYS ? t(lang, STATUS_KEYS[status as keyof typeof STATUS_KEYS]) : status;
}

function safeHref(uri: string | null): string | null {
  return uri && /^https?:\/\//i.test(uri) ? uri : null;
}

function deliverableItem(lang: Lang, d: DeliverableItemView, extra: SafeHtml | string = ""): SafeHtml {
  const due = d.due ? formatDate(lang, `${d.due}T00:00:00Z`) : null;
  const href = safeHref(d.resourceUri);
  return html`<li id="deliverable-${d.id}"><span class="badge">${statusLabel(lang, d.status)}</span> ${d.title}${
    due !== null && html` <span class="muted">(${t(lang, "wg.due", { date: due })})</span>`}${
    href !== null && html` · <a href="${href}" rel="nofollow noopener ugc">${t(lang, "wg.resource")}</a>`}${extra}</li>`;
}

/** The archived badge, next to the community's name. */
export function renderArchivedBadge(view: WorkingGroupView | undefined, lang: Lang): SafeHtml | false {
  return view?.archivedAt != null && html` <span class="badge">${t(lang, "wg.archived")}</span>`;
}

/** Facts (goal, end, capacity) and the deliverables. */
export function renderWorkingGroup(view: WorkingGroupView | undefined, lang: Lang): SafeHtml | false {
  if (!view) return false;
  const ends = view.endsAt ? formatDate(lang, view.endsAt) : null;
  const full = view.maxMembers !== null && view.members >= view.maxMembers;
  const facts = view.goal !== null || ends !== null || view.maxMembers !== null;
  return html`${view.archivedAt !== null && html`<p class="notice">${t(lang, "wg.archivedExplained")}</p>`}
${facts && html`<dl class="facts">
${view.goal !== null && html`<dt>${t(lang, "wg.goal")}</dt><dd>${view.goal}</dd>`}
${ends !== null && html`<dt>${t(lang, view.archivedAt !== null ? "wg.ended" : "wg.ends")}</dt><dd><time datetime="${view.endsAt!}">${ends}</time></dd>`}
${view.maxMembers !== null && html`<dt>${t(lang, "wg.capacity")}</dt><dd>${t(lang, "wg.capacityValue", { members: String(view.members), max: String(view.maxMembers) })}${full && html` · ${t(lang, "wg.full")}`}</dd>`}
</dl>`}
${view.deliverables !== null && html`<section id="deliverables" aria-labelledby="deliverables-heading">
<h2 id="deliverables-heading">${t(lang, "wg.deliverables")}</h2>
${view.deliverables.length === 0 ? html`<p>${t(lang, "wg.noDeliverables")}</p>`
    : html`<ul>${view.deliverables.map((d) => deliverableItem(lang, d))}</ul>`}
</section>`}
${view.children.length > 0 && html`<section id="working-groups" aria-labelledby="working-groups-heading">
<h2 id="working-groups-heading">${t(lang, "wg.children")}</h2>
<p class="muted">${t(lang, "wg.childrenExplained")}</p>
<ul>${view.children.map((d) => deliverableItem(lang, d, html` <span class="muted">— ${t(lang, "wg.from", { group: d.group.name ?? new URL(d.group.uri).host })}${
      d.group.archived && html` (${t(lang, "wg.childArchived")})`}</span>`))}</ul>
</section>`}`;
}
