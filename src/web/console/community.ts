// A community in the console, for its moderators (and operators): members
// and join requests, bans, network links and link requests, reports, posts,
// settings and moderators, and its audit log. Every action calls the
// operation the CLI and the admin API call.
import { Hono } from "hono";
import type { Community } from "../../domain/community.ts";
import { rulesOf } from "../../domain/community.ts";
import { mayModerateCommunity } from "../../domain/credentials.ts";
import { listAudit } from "../../operations/audit.ts";
import { updateCommunity } from "../../operations/communities.ts";
import {
  approveLink, declineLinkRequest, inviteChild, listLinks, listRequests, networkSettings, removeLink, requestParent,
  updateNetworkSettings,
} from "../../operations/links.ts";
import { approveMember, listMembers, rejectMember } from "../../operations/members.ts";
import { banMember, listBans, listReports, removeMember, unbanMember } from "../../operations/moderation.ts";
import { addModerator, listModerators, removeModerator } from "../../operations/moderators.ts";
import { formatDate, t } from "../i18n.ts";
import { html, httpUrl, REMOTE_LINK_REL, sanitizeRemoteHtml, SafeHtml } from "../sanitize.ts";
import { postActions, renderAudit, renderModeratedPosts, renderReports, reportActions, reportPostLinks } from "./content.ts";
import { actionButton, checkbox, field, form, idOf, radios } from "./forms.ts";
import type { ActionResult, Console, ConsoleContext, ConsoleEnv, PageContext } from "./index.ts";
import { ConsoleForbidden } from "./session.ts";
import { type CommunityTab, communityTabs } from "./layout.ts";

const POSTS_PER_PAGE = 25;

const lines = (text: string | undefined) => (text ?? "").split(/\r?\n/).map((s) => s.trim()).filter(Boolean);

function who(actorUri: string, handle: string | null, name: string | null): SafeHtml {
  const label = handle ?? actorUri;
  const href = httpUrl(actorUri);
  return html`${href ? html`<a href="${href}" rel="${REMOTE_LINK_REL}">${label}</a>` : label}${name && html` <span class="muted">(${name})</span>`}`;
}

export function communityRoutes(con: Console): Hono<ConsoleEnv> {
  const r = new Hono<ConsoleEnv>();
  const { repos } = con.deps.services;
  const date = (pc: PageContext, iso: string | null) => (iso ? formatDate(pc.lang, iso) ?? iso : "");

  async function shell(c: ConsoleContext, pc: PageContext, community: Community, tab: CommunityTab, body: SafeHtml) {
    const counts = {
      members: await repos.memberships.count(community.id, "pending"),
      links: (await repos.links.list(community.id, { statuses: ["incoming"] })).length,
      reports: (await listReports(con.ops, { community: community.slug })).length,
    };
    const title = `${community.name} · ${t(pc.lang, `tabs.${tab === "links" ? "network" : tab}`)}`;
    return con.page(c, pc, title, html`<h1>${community.name}</h1>
<p><a href="/c/${community.slug}">${t(pc.lang, "console.publicPage")}</a></p>
${communityTabs(community, tab, pc.lang, counts)}
${body}`);
  }

  /** Registers a page and its actions; each action's form id is `<action>-<key field>`. */
  function page(tab: CommunityTab, render: (c: ConsoleContext, pc: PageContext, community: Community) => Promise<SafeHtml>,
    actions: Record<string, { key?: string; fields?: Record<string, string>; run: (c: ConsoleContext, f: Record<string, string>, pc: PageContext, community: Community) => Promise<ActionResult> }> = {}) {
    const view = async (c: ConsoleContext, pc: PageContext) => {
      const community = await con.community(c);
      return shell(c, pc, community, tab, await render(c, pc, community));
    };
    r.get(`/:slug/${tab}`, (c) => view(c, con.pageContext(c)));
    for (const [name, a] of Object.entries(actions)) {
      r.post(`/:slug/${tab}/${name}`, async (c) => {
        const community = await con.community(c);
        return con.action({
          formId: (f) => (a.key ? idOf(name, f[a.key] ?? "") : name), fields: a.fields, render: view,
          back: () => `/console/c/${community.slug}/${tab}`,
          run: (cc, f, pc) => a.run(cc, f, pc, community),
        })(c);
      });
    }
  }

  r.get("/:slug", async (c) => c.redirect(`/console/c/${(await con.community(c)).slug}/members`, 303));

  // ------------------------------------------------------------ members

  page("members", async (_c, pc, community) => {
    const l = pc.lang;
    const base = `/console/c/${community.slug}/members`;
    const pending = await listMembers(con.ops, community.slug, true);
    const members = await listMembers(con.ops, community.slug, false);
    const bans = await listBans(con.ops, community.slug);
    return html`<h2>${t(l, "members.requests")}</h2>
${pending.length === 0 ? html`<p>${t(l, "members.noRequests")}</p>` : html`<ul class="card-list">${pending.map((m) => html`<li class="card"><h3>${who(m.actorUri, m.handle, m.name)}</h3>
<p class="muted">${t(l, "members.requested", { date: date(pc, m.requestedAt) })}</p>
${m.message && html`<h4>${t(l, "members.message")}</h4><div class="content" lang="">${new SafeHtml(sanitizeRemoteHtml(m.message))}</div>`}
<div class="actions">${actionButton(pc.fc, { id: idOf("approve", m.actorUri), action: `${base}/approve`, label: t(l, "members.approve"), hidden: { actor: m.actorUri } })}${
      actionButton(pc.fc, { id: idOf("decline", m.actorUri), action: `${base}/decline`, label: t(l, "members.decline"), hidden: { actor: m.actorUri }, secondary: true })}</div></li>`)}</ul>`}
<h2>${t(l, "members.list")}</h2>
${members.length === 0 ? html`<p>${t(l, "members.none")}</p>` : html`<ul class="card-list">${members.map((m) => html`<li class="card"><h3>${who(m.actorUri, m.handle, m.name)}</h3>
<p class="muted">${t(l, "members.joined", { date: date(pc, m.acceptedAt ?? m.requestedAt) })}</p>
<div class="actions">${actionButton(pc.fc, { id: idOf("remove", m.actorUri), action: `${base}/remove`, label: t(l, "members.remove"), hidden: { actor: m.actorUri }, secondary: true, confirm: t(l, "members.confirmRemove") })}</div>
<details><summary>${t(l, "members.ban")}</summary>
${form(pc.fc, { id: idOf("ban", m.actorUri), action: `${base}/ban`, submit: t(l, "members.ban"), danger: true, confirm: t(l, "members.confirmBan"), content: html`<input type="hidden" name="actor" value="${m.actorUri}">${
      field(pc.fc, idOf("ban", m.actorUri), { name: "reason", label: t(l, "members.reason") })}${
      field(pc.fc, idOf("ban", m.actorUri), { name: "expires", label: t(l, "members.expires"), hint: t(l, "members.expiresHint") })}` })}
</details></li>`)}</ul>`}
<h2>${t(l, "members.banHeading")}</h2>
${form(pc.fc, { id: "ban", action: `${base}/ban`, submit: t(l, "members.ban"), danger: true, content: html`${
      field(pc.fc, "ban", { name: "actor", label: t(l, "members.actor"), hint: t(l, "members.actorHint"), required: true })}${
      field(pc.fc, "ban", { name: "reason", label: t(l, "members.reason") })}${
      field(pc.fc, "ban", { name: "expires", label: t(l, "members.expires"), hint: t(l, "members.expiresHint") })}` })}
<h2>${t(l, "members.bans")}</h2>
${bans.length === 0 ? html`<p>${t(l, "members.noBans")}</p>` : html`<ul class="card-list">${bans.map((b) => html`<li class="card"><h3>${who(b.actorUri, b.handle, null)}</h3>
<p class="muted">${b.reason ?? ""}${b.expiresAt && html` · ${b.active ? t(l, "members.until", { date: date(pc, b.expiresAt) }) : t(l, "members.expired")}`}</p>
<div class="actions">${actionButton(pc.fc, { id: idOf("unban", b.actorUri), action: `${base}/unban`, label: t(l, "members.unban"), hidden: { actor: b.actorUri }, secondary: true })}</div></li>`)}</ul>`}`;
  }, {
    approve: { key: "actor", run: async (_c, f, pc, community) => {
      const m = await approveMember(con.ops, community.slug, f.actor ?? "", pc.by);
      return { flash: t(pc.lang, "members.approved", { who: m.handle ?? m.actorUri }) };
    } },
    decline: { key: "actor", run: async (_c, f, pc, community) => {
      const m = await rejectMember(con.ops, community.slug, f.actor ?? "", pc.by);
      return { flash: t(pc.lang, "members.declined", { who: m.handle ?? m.actorUri }) };
    } },
    remove: { key: "actor", run: async (_c, f, pc, community) => {
      const m = await removeMember(con.ops, community.slug, f.actor ?? "", pc.by);
      return { flash: t(pc.lang, "members.removed", { who: m.handle ?? m.actorUri }) };
    } },
    // From a member's card (keyed by actor) or the form for anyone ("ban").
    ban: { key: "actor", run: async (_c, f, pc, community) => {
      const ban = await banMember(con.ops, community.slug, f.actor?.trim() ?? "", pc.by, { reason: f.reason?.trim() || null, expires: f.expires?.trim() || null });
      return { flash: t(pc.lang, "members.banned", { who: ban.handle ?? ban.actorUri }) };
    } },
    unban: { key: "actor", run: async (_c, f, pc, community) => {
      await unbanMember(con.ops, community.slug, f.actor ?? "", pc.by);
      return { flash: t(pc.lang, "members.unbanned", { who: f.actor ?? "" }) };
    } },
  });

  // ------------------------------------------------------------ network links

  page("links", async (_c, pc, community) => {
    const l = pc.lang;
    const base = `/console/c/${community.slug}/links`;
    const requests = await listRequests(con.ops, community.slug);
    const links = (await listLinks(con.ops, community.slug)).filter((x) => x.status === "accepted" || x.status === "active");
    const nameOf = (x: { name: string | null; handle: string | null; peer: string }) => x.name ?? x.handle ?? x.peer;
    return html`<h2>${t(l, "links.requests")}</h2>
${requests.length === 0 ? html`<p>${t(l, "links.noRequests")}</p>` : html`<ul class="card-list">${requests.map((x) => {
      const incoming = x.status === "incoming";
      const key = incoming ? (x.relation === "parent" ? "links.incomingParent" : "links.incomingChild") : (x.relation === "parent" ? "links.outgoingParent" : "links.outgoingChild");
      return html`<li class="card"><h3>${t(l, key, { name: nameOf(x) })}</h3>
<p class="muted">${x.handle ?? x.peer} · ${date(pc, x.requestedAt)}</p>
${incoming && html`<div class="actions">${actionButton(pc.fc, { id: idOf("approve", x.id), action: `${base}/approve`, label: t(l, "links.approve"), hidden: { id: x.id } })}${
        actionButton(pc.fc, { id: idOf("decline", x.id), action: `${base}/decline`, label: t(l, "links.decline"), hidden: { id: x.id }, secondary: true })}</div>`}</li>`;
    })}</ul>`}
<h2>${t(l, "links.links")}</h2>
${links.length === 0 ? html`<p>${t(l, "links.none")}</p>` : html`<ul class="card-list">${links.map((x) => html`<li class="card"><h3>${nameOf(x)}</h3>
<p class="muted">${t(l, x.relation === "parent" ? "links.parent" : "links.child")} · ${x.handle ?? x.peer}</p>
<div class="actions">${actionButton(pc.fc, { id: idOf("unlink", x.peer), action: `${base}/unlink`, label: t(l, "links.remove"), hidden: { peer: x.peer }, secondary: true, confirm: t(l, "links.confirmRemove") })}</div></li>`)}</ul>`}
<h2>${t(l, "links.ask")}</h2>
${form(pc.fc, { id: "ask", action: `${base}/ask`, submit: t(l, "links.send"), content: html`${
      field(pc.fc, "ask", { name: "community", label: t(l, "links.community"), hint: t(l, "links.communityHint"), required: true })}${
      radios(pc.fc, "ask", { name: "relation", legend: t(l, "links.relation"), value: "parent", options: [["parent", t(l, "links.asParent")], ["child", t(l, "links.asChild")]] })}` })}`;
  }, {
    approve: { key: "id", run: async (_c, f, pc, community) => {
      const v = await approveLink(con.ops, community.slug, f.id ?? "", pc.by);
      return { flash: t(pc.lang, "links.approved", { who: v.name ?? v.handle ?? v.peer }) };
    } },
    decline: { key: "id", run: async (_c, f, pc, community) => {
      const v = await declineLinkRequest(con.ops, community.slug, f.id ?? "", pc.by);
      return { flash: t(pc.lang, "links.declined", { who: v.name ?? v.handle ?? v.peer }) };
    } },
    unlink: { key: "peer", run: async (_c, f, pc, community) => {
      const v = await removeLink(con.ops, community.slug, f.peer ?? "", pc.by);
      return { flash: t(pc.lang, "links.removed", { who: v.name ?? v.handle ?? v.peer }) };
    } },
    ask: { run: async (_c, f, pc, community) => {
      const ref = f.community?.trim() ?? "";
      const link = f.relation === "child" ? await inviteChild(con.ops, community.slug, ref, pc.by) : await requestParent(con.ops, community.slug, ref, pc.by);
      return { flash: t(pc.lang, "links.sent", { who: link.peer_uri }) };
    } },
  });

  // ------------------------------------------------------------ reports

  page("reports", async (_c, pc, community) => {
    const reports = await listReports(con.ops, { community: community.slug });
    return html`<h2>${t(pc.lang, "reports.heading")}</h2>
${renderReports(pc, reports, `/console/c/${community.slug}/reports`, await reportPostLinks(con, reports))}`;
  });
  for (const [name, run] of Object.entries(reportActions(con))) {
    r.post(`/:slug/reports/:id/${name}`, async (c) => {
      const community = await con.community(c);
      const report = (await listReports(con.ops, { community: community.slug, all: true })).find((x) => x.id === c.req.param("id"));
      if (!report) return con.refuse(c, "console.forbidden");
      // The reported objects may be posts in other communities: a moderator removes only from theirs.
      return con.action({
        formId: () => `report-${report.id}${name === "resolve" ? "" : `-${name}`}`, fields: { "remove-post": "removePost" },
        render: async (cc, pc) => shell(cc, pc, community, "reports", html`<h2>${t(pc.lang, "reports.heading")}</h2>${
          renderReports(pc, await listReports(con.ops, { community: community.slug }), `/console/c/${community.slug}/reports`)}`),
        back: () => `/console/c/${community.slug}/reports`,
        run: async (cc, f, pc) => {
          if (name === "resolve" && f.removePost === "on") {
            for (const uri of report.objects) {
              for (const post of await repos.posts.findByObject(uri)) {
                if (post.deleted_at === null && post.removed_at === null && !mayModerateCommunity(cc.get("session").principal, post.community_id)) {
                  throw new ConsoleForbidden();
                }
              }
            }
          }
          return run(cc, f, pc);
        },
      })(c);
    });
  }

  // ------------------------------------------------------------ posts

  page("posts", async (c, pc, community) => {
    const offset = Math.max(0, Math.min(100_000, Number.parseInt(c.req.query("offset") ?? "0", 10) || 0));
    const rows = await repos.posts.forModeration(community.id, { limit: POSTS_PER_PAGE + 1, offset });
    const views = await con.deps.data.postViews(community, rows.slice(0, POSTS_PER_PAGE), { counts: true });
    const posts = views.map((v, i) => ({ ...v, removedAt: rows[i].removed_at, isReply: rows[i].in_reply_to !== null }));
    const { groups } = await con.deps.data.network.graph(community);
    const rolledUp = await con.deps.data.networkPostViews(await repos.networkPosts.recent(community.id, "up", 20), groups);
    const base = `/console/c/${community.slug}/posts`;
    return renderModeratedPosts(pc, community, posts, rolledUp, {
      newer: offset > 0 ? `${base}?offset=${Math.max(0, offset - POSTS_PER_PAGE)}` : null,
      older: rows.length > POSTS_PER_PAGE ? `${base}?offset=${offset + POSTS_PER_PAGE}` : null,
    });
  }, Object.fromEntries(["remove", "restore", "pin", "unpin", "lock", "unlock", "promote"].map((name) => [name, {
    key: "object", fields: { object: "_form", "object-uri": "_form" },
    run: (c: ConsoleContext, f: Record<string, string>, pc: PageContext, community: Community) =>
      postActions(con, async () => community)[name].run(c, f, pc),
  }])));

  // ------------------------------------------------------------ settings

  page("settings", async (_c, pc, community) => {
    const l = pc.lang;
    const base = `/console/c/${community.slug}/settings`;
    const net = await networkSettings(con.ops, community.slug);
    const moderators = await listModerators(con.ops, community.slug);
    return html`<h2>${t(l, "settings.community")}</h2>
${form(pc.fc, { id: "community", action: `${base}/community`, submit: t(l, "settings.save"), content: html`${
      field(pc.fc, "community", { name: "name", label: t(l, "settings.name"), value: community.name, required: true })}${
      field(pc.fc, "community", { name: "summary", label: t(l, "settings.summary"), value: community.summary, type: "textarea" })}${
      field(pc.fc, "community", { name: "rules", label: t(l, "settings.rules"), hint: t(l, "settings.rulesHint"), value: rulesOf(community).join("\n"), type: "textarea" })}${
      radios(pc.fc, "community", { name: "membership", legend: t(l, "settings.membership"), value: community.closed ? "closed" : "open", options: [["open", t(l, "settings.open")], ["closed", t(l, "settings.closed")]] })}${
      radios(pc.fc, "community", { name: "posting", legend: t(l, "settings.posting"), value: community.postingPolicy, options: [["members", t(l, "settings.postingMembers")], ["anyone", t(l, "settings.postingAnyone")]] })}${
      checkbox(pc.fc, "community", { name: "announcementOnly", label: t(l, "settings.announcementOnly"), checked: community.announcementOnly })}` })}
<h2>${t(l, "settings.network")}</h2>
${form(pc.fc, { id: "network", action: `${base}/network`, submit: t(l, "settings.save"), content: html`${
      checkbox(pc.fc, "network", { name: "cascade", label: t(l, "settings.cascade"), checked: net.cascade })}${
      field(pc.fc, "network", { name: "autoApprove", label: t(l, "settings.autoApprove"), hint: t(l, "settings.autoApproveHint"), value: net.autoApprove.join("\n"), type: "textarea" })}${
      field(pc.fc, "network", { name: "promoteTags", label: t(l, "settings.promoteTags"), hint: t(l, "settings.promoteTagsHint"), value: net.promoteTags.join("\n"), type: "textarea" })}` })}
<h2>${t(l, "settings.moderators")}</h2>
<ul>${moderators.map((m) => html`<li>${m.username} <span class="muted">(${m.actorUri ?? t(l, "settings.noActor")})</span> ${
      actionButton(pc.fc, { id: idOf("unmod", m.username), action: `${base}/unmoderator`, label: t(l, "settings.removeModerator"), hidden: { username: m.username }, secondary: true })}</li>`)}</ul>
${form(pc.fc, { id: "moderator", action: `${base}/moderator`, submit: t(l, "settings.add"), content: field(pc.fc, "moderator", { name: "username", label: t(l, "settings.moderatorUsername"), required: true }) })}`;
  }, {
    community: { fields: { language: "_form", options: "_form", posting: "posting" }, run: async (_c, f, pc, community) => {
      await updateCommunity(con.ops, community.slug, {
        name: f.name ?? "", summary: f.summary ?? "", rules: f.rules ?? "", closed: f.membership === "closed",
        posting: f.posting ?? community.postingPolicy, announcementOnly: f.announcementOnly === "on",
      }, pc.by);
      return { flash: t(pc.lang, "settings.saved") };
    } },
    network: { fields: { "auto-approve": "autoApprove", options: "_form" }, run: async (_c, f, pc, community) => {
      await updateNetworkSettings(con.ops, community.slug, { cascade: f.cascade === "on", autoApprove: lines(f.autoApprove), promoteTags: lines(f.promoteTags) }, pc.by);
      return { flash: t(pc.lang, "settings.saved") };
    } },
    moderator: { run: async (_c, f, pc, community) => {
      const m = await addModerator(con.ops, community.slug, f.username?.trim() ?? "", pc.by);
      return { flash: t(pc.lang, "settings.moderatorAdded", { who: m.username }) };
    } },
    unmoderator: { key: "username", fields: { username: "_form" }, run: async (_c, f, pc, community) => {
      await removeModerator(con.ops, community.slug, f.username ?? "", pc.by);
      return { flash: t(pc.lang, "settings.moderatorRemoved", { who: f.username ?? "" }) };
    } },
  });

  // ------------------------------------------------------------ audit

  page("audit", async (_c, pc, community) => renderAudit(pc, await listAudit(con.ops, { community: community.slug, limit: 200 })));

  return r;
}
