// Console pieces about content: a community's posts (remove, restore, pin,
// lock; promote what sub-communities rolled up), reports (resolve, dismiss,
// forward) and the audit log.
import type { Community } from "../../domain/community.ts";
import type { AuditView } from "../../operations/audit.ts";
import { promotePost } from "../../operations/links.ts";
import {
  dismissReport, forwardReport, type ReportView, removePost, resolveReport, restorePost, setLocked, setPinned,
} from "../../operations/moderation.ts";
import { formatDateTime, t } from "../i18n.ts";
import { postPath } from "../page-data.ts";
import { renderRolledUp } from "../pages/network.ts";
import { renderPost } from "../pages/posts.ts";
import { html, httpUrl, REMOTE_LINK_REL, type SafeHtml } from "../sanitize.ts";
import type { NetworkPostView, PostView } from "../views.ts";
import { actionButton, checkbox, field, form, idOf } from "./forms.ts";
import type { ActionResult, Console, ConsoleContext, PageContext } from "./index.ts";

const when = (pc: PageContext, iso: string | null) => (iso ? formatDateTime(pc.lang, iso) ?? iso : "");

// ------------------------------------------------------------ posts

export function renderModeratedPosts(pc: PageContext, community: Community, posts: (PostView & { removedAt: string | null; isReply: boolean })[], rolledUp: NetworkPostView[], paging: { newer: string | null; older: string | null }): SafeHtml {
  const l = pc.lang;
  const base = `/console/c/${community.slug}/posts`;
  const card = (post: (typeof posts)[number]) => {
    const id = post.objectUri;
    const hidden = { object: id };
    const buttons: SafeHtml[] = [];
    if (post.removedAt === null) {
      buttons.push(form(pc.fc, { id: idOf("remove", id), action: `${base}/remove`, submit: t(l, "posts.remove"), danger: true, confirm: t(l, "posts.confirmRemove"), className: "inline",
        content: html`<input type="hidden" name="object" value="${id}">${field(pc.fc, idOf("remove", id), { name: "reason", label: t(l, "posts.reasonLabel") })}` }));
      if (!post.isReply) {
        buttons.push(actionButton(pc.fc, { id: idOf("pin", id), action: `${base}/${post.pinned ? "unpin" : "pin"}`, label: t(l, post.pinned ? "posts.unpin" : "posts.pin"), hidden, secondary: true }));
        buttons.push(actionButton(pc.fc, { id: idOf("lock", id), action: `${base}/${post.locked ? "unlock" : "lock"}`, label: t(l, post.locked ? "posts.unlock" : "posts.lock"), hidden, secondary: true }));
      }
    } else {
      buttons.push(actionButton(pc.fc, { id: idOf("restore", id), action: `${base}/restore`, label: t(l, "posts.restore"), hidden }));
    }
    return html`<li>${post.removedAt !== null && html`<p><span class="badge">${t(l, "posts.removedBadge")}</span> <span class="muted">${when(pc, post.removedAt)}</span></p>`}
${renderPost({ ...post, permalink: post.removedAt === null ? post.permalink : undefined }, l, { asListItem: true })}
<div class="actions">${buttons}</div></li>`;
  };
  return html`<h2>${t(l, "posts.moderation")}</h2>
${posts.length === 0 ? html`<p>${t(l, "posts.none")}</p>` : html`<ul class="card-list">${posts.map(card)}</ul>`}
${(paging.newer || paging.older) && html`<nav class="pager" aria-label="${t(l, "posts.moderation")}"><span>${paging.newer && html`<a href="${paging.newer}">← ${t(l, "posts.previous")}</a>`}</span><span>${
    paging.older && html`<a href="${paging.older}">${t(l, "posts.next")} →</a>`}</span></nav>`}
<h2>${t(l, "posts.rolledUp")}</h2>
${rolledUp.length === 0 ? html`<p>${t(l, "fromSub.none")}</p>` : html`<ul class="card-list">${rolledUp.map((p) => html`<li>${renderRolledUp(p, l)}${
    !p.promoted && html`<div class="actions">${actionButton(pc.fc, { id: idOf("promote", p.objectUri), action: `${base}/promote`, label: t(l, "posts.promote"), hidden: { object: p.objectUri } })}</div>`}</li>`)}</ul>`}`;
}

/** The post actions, each calling its operation. */
export function postActions(con: Console, community: () => Promise<Community>): Record<string, { formId: string; run: (c: ConsoleContext, f: Record<string, string>, pc: PageContext) => Promise<ActionResult> }> {
  const obj = (f: Record<string, string>) => f.object ?? "";
  return {
    remove: { formId: "remove", run: async (_c, f, pc) => {
      await removePost(con.ops, (await community()).slug, obj(f), pc.by, { reason: f.reason?.trim() || null });
      return { flash: t(pc.lang, "posts.removedDone") };
    } },
    restore: { formId: "restore", run: async (_c, f, pc) => {
      await restorePost(con.ops, (await community()).slug, obj(f), pc.by);
      return { flash: t(pc.lang, "posts.restoredDone") };
    } },
    pin: { formId: "pin", run: async (_c, f, pc) => {
      await setPinned(con.ops, (await community()).slug, obj(f), true, pc.by);
      return { flash: t(pc.lang, "posts.pinnedDone") };
    } },
    unpin: { formId: "pin", run: async (_c, f, pc) => {
      await setPinned(con.ops, (await community()).slug, obj(f), false, pc.by);
      return { flash: t(pc.lang, "posts.unpinnedDone") };
    } },
    lock: { formId: "lock", run: async (_c, f, pc) => {
      await setLocked(con.ops, (await community()).slug, obj(f), true, pc.by);
      return { flash: t(pc.lang, "posts.lockedDone") };
    } },
    unlock: { formId: "lock", run: async (_c, f, pc) => {
      await setLocked(con.ops, (await community()).slug, obj(f), false, pc.by);
      return { flash: t(pc.lang, "posts.unlockedDone") };
    } },
    promote: { formId: "promote", run: async (_c, f, pc) => {
      await promotePost(con.ops, (await community()).slug, obj(f), pc.by);
      return { flash: t(pc.lang, "posts.promotedDone") };
    } },
  };
}

// ------------------------------------------------------------ reports

/** Open reports with their actions; `base` is where the actions post (…/reports). */
export function renderReports(pc: PageContext, reports: ReportView[], base: string, postLinks: Map<string, string> = new Map()): SafeHtml {
  const l = pc.lang;
  if (reports.length === 0) return html`<p>${t(l, "reports.none")}</p>`;
  return html`<ul class="card-list">${reports.map((rep) => {
    const id = `report-${rep.id}`;
    const link = (uri: string) => {
      const local = postLinks.get(uri);
      if (local) return html`<a href="${local}">${uri}</a>`;
      const href = httpUrl(uri);
      return href ? html`<a href="${href}" rel="${REMOTE_LINK_REL}">${uri}</a>` : html`${uri}`;
    };
    return html`<li class="card"><p class="byline">${t(l, "reports.by", { who: rep.reporterUri, date: when(pc, rep.createdAt) })}</p>
<h3>${t(l, "reports.comment")}</h3>
<p>${rep.comment || t(l, "reports.noComment")}</p>
<h3>${t(l, "reports.objects")}</h3>
<ul>${rep.objects.map((o) => html`<li>${link(o)}</li>`)}</ul>
${rep.forwardedAt && html`<p class="muted">${t(l, "reports.forwarded", { date: when(pc, rep.forwardedAt) })}</p>`}
${form(pc.fc, { id, action: `${base}/${rep.id}/resolve`, submit: t(l, "reports.resolve"), content: html`${
      checkbox(pc.fc, id, { name: "removePost", label: t(l, "reports.removePosts"), checked: false })}${
      checkbox(pc.fc, id, { name: "forward", label: t(l, "reports.forward"), checked: false })}` })}
<div class="actions">${actionButton(pc.fc, { id: `${id}-dismiss`, action: `${base}/${rep.id}/dismiss`, label: t(l, "reports.dismiss"), secondary: true })}${
      actionButton(pc.fc, { id: `${id}-forward`, action: `${base}/${rep.id}/forward`, label: t(l, "reports.forwardOnly"), secondary: true })}</div></li>`;
  })}</ul>`;
}

/** resolve, dismiss and forward of the report in the path (`:id`). */
export function reportActions(con: Console): Record<string, (c: ConsoleContext, f: Record<string, string>, pc: PageContext) => Promise<ActionResult>> {
  return {
    resolve: async (c, f, pc) => {
      await resolveReport(con.ops, c.req.param("id") ?? "", pc.by, { removePost: f.removePost === "on", forward: f.forward === "on" });
      return { flash: t(pc.lang, "reports.resolved") };
    },
    dismiss: async (c, _f, pc) => {
      await dismissReport(con.ops, c.req.param("id") ?? "", pc.by);
      return { flash: t(pc.lang, "reports.dismissed") };
    },
    forward: async (c, _f, pc) => {
      await forwardReport(con.ops, c.req.param("id") ?? "", pc.by);
      return { flash: t(pc.lang, "reports.forwardedDone") };
    },
  };
}

/** Local permalinks of the reported objects that are posts here. */
export async function reportPostLinks(con: Console, reports: ReportView[]): Promise<Map<string, string>> {
  const links = new Map<string, string>();
  for (const uri of new Set(reports.flatMap((r) => r.objects))) {
    for (const post of await con.deps.services.repos.posts.findByObject(uri)) {
      const community = await con.deps.services.repos.communities.findById(post.community_id);
      if (community && post.deleted_at === null) links.set(uri, postPath(community.slug, post.id));
    }
  }
  return links;
}

// ------------------------------------------------------------ audit

export function renderAudit(pc: PageContext, entries: AuditView[]): SafeHtml {
  if (entries.length === 0) return html`<p>${t(pc.lang, "audit.none")}</p>`;
  return html`<ul class="card-list">${entries.map((e) => html`<li class="card"><p class="byline"><time datetime="${e.at}">${when(pc, e.at)}</time> · ${e.actor}</p>
<p><code>${e.action}</code>${e.community && html` · ${e.community}`}${e.target && html` · <span class="muted">${e.target}</span>`}</p>
${Object.keys(e.details).length > 0 && html`<pre><code>${JSON.stringify(e.details)}</code></pre>`}</li>`)}</ul>`;
}
