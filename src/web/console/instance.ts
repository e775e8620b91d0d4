// The dashboard (communities the account moderates, with what waits for
// them) and the operators' pages: servers (blocks and allow-list),
// accounts, admin API tokens, the queue and the audit log.
import { Hono } from "hono";
import { ValidationError } from "../../domain/community.ts";
import { mayModerateCommunity, mayOperateInstance, ROLES } from "../../domain/credentials.ts";
import {
  createAccount, createToken, deleteAccount, listAccounts, listTokens, resetPassword, revokeToken,
} from "../../operations/accounts.ts";
import { listAudit } from "../../operations/audit.ts";
import {
  allowDomain, blockDomain, disallowDomain, listDomainAllows, listDomainBlocks, unblockDomain,
} from "../../operations/domains.ts";
import { listReports } from "../../operations/moderation.ts";
import { queueStatus, retryDeliveriesAs } from "../../operations/queue.ts";
import { formatDateTime, t } from "../i18n.ts";
import { html, type SafeHtml } from "../sanitize.ts";
import { renderAudit, renderReports, reportActions } from "./content.ts";
import { actionButton, field, form, radios, select } from "./forms.ts";
import type { Console, ConsoleContext, ConsoleEnv, PageContext } from "./index.ts";

export function instanceRoutes(con: Console): Hono<ConsoleEnv> {
  const r = new Hono<ConsoleEnv>();
  const { repos } = con.deps.services;
  const when = (pc: PageContext, iso: string | null) => (iso ? formatDateTime(pc.lang, iso) ?? iso : "");

  // ------------------------------------------------------------ dashboard

  r.get("/", async (c) => {
    const pc = con.pageContext(c);
    const { principal } = c.get("session");
    const communities = (await repos.communities.list()).filter((x) => mayModerateCommunity(principal, x.id));
    const reports = await listReports(con.ops, {});
    const cards = await Promise.all(communities.map(async (x) => {
      const pending = await repos.memberships.count(x.id, "pending");
      const links = (await repos.links.list(x.id, { statuses: ["incoming"] })).length;
      const open = reports.filter((rep) => rep.communityId === x.id).length;
      return html`<li class="card"><h3><a href="/console/c/${x.slug}/members">${x.name}</a></h3>
<p class="muted"><code>@${x.slug}@${con.deps.data.host}</code></p>
<ul class="post-meta">
<li><a href="/console/c/${x.slug}/members">${t(pc.lang, "console.pendingRequests", { count: pending })}</a></li>
<li><a href="/console/c/${x.slug}/links">${t(pc.lang, "console.pendingLinks", { count: links })}</a></li>
<li><a href="/console/c/${x.slug}/reports">${t(pc.lang, "console.openReports", { count: open })}</a></li>
</ul></li>`;
    }));
    const instanceReports = mayOperateInstance(principal) ? reports.filter((rep) => rep.communityId === null) : [];
    const body = html`<h1>${t(pc.lang, "console.title")}</h1>
<h2>${t(pc.lang, "console.communities")}</h2>
${cards.length > 0 ? html`<ul class="card-list">${cards}</ul>` : html`<p>${t(pc.lang, "console.noCommunities")}</p>`}
${mayOperateInstance(principal) && html`<h2>${t(pc.lang, "reports.instance")}</h2>
${renderReports(pc, instanceReports, "/console/reports")}`}`;
    return con.page(c, pc, t(pc.lang, "console.title"), body);
  });

  // Reports with no community (about the server): operators.
  const dashboard = async (c: ConsoleContext, pc: PageContext) => {
    con.requireOperator(c);
    const reports = (await listReports(con.ops, {})).filter((rep) => rep.communityId === null);
    return con.page(c, pc, t(pc.lang, "reports.instance"), html`<h1>${t(pc.lang, "reports.instance")}</h1>${renderReports(pc, reports, "/console/reports")}`);
  };
  for (const [path, run] of Object.entries(reportActions(con))) {
    r.post(`/reports/:id/${path}`, (c) => {
      con.requireOperator(c);
      return con.action({ formId: () => `report-${c.req.param("id")}`, run, render: dashboard, back: () => "/console" })(c);
    });
  }

  // ------------------------------------------------------------ servers

  const domainsPage = async (c: ConsoleContext, pc: PageContext) => {
    con.requireOperator(c);
    const blocks = await listDomainBlocks(con.ops);
    const allows = await listDomainAllows(con.ops);
    const l = pc.lang;
    const body = html`<h1>${t(l, "domains.heading")}</h1>
<p>${t(l, "domains.mode", { mode: con.deps.services.config.federation.mode })}</p>
<h2>${t(l, "domains.blocks")}</h2>
${blocks.length === 0 ? html`<p>${t(l, "domains.noBlocks")}</p>` : html`<ul class="card-list">${blocks.map((b) => html`<li class="card"><h3>${b.host}</h3>
${b.reason && html`<p>${b.reason}</p>`}<p class="muted">${b.createdBy} · ${when(pc, b.createdAt)}</p>
<div class="actions">${actionButton(pc.fc, { id: `unblock-${b.host}`, action: "/console/domains/unblock", label: t(l, "domains.unblock"), hidden: { host: b.host }, secondary: true })}</div></li>`)}</ul>`}
<h3>${t(l, "domains.block")}</h3>
${form(pc.fc, { id: "block", action: "/console/domains/block", submit: t(l, "domains.block"), danger: true, content: html`${
      field(pc.fc, "block", { name: "host", label: t(l, "domains.host"), hint: t(l, "domains.hostHint"), required: true })}${
      field(pc.fc, "block", { name: "reason", label: t(l, "domains.reason") })}` })}
<h2>${t(l, "domains.allows")}</h2>
<p class="muted">${t(l, "domains.allowsHint")}</p>
${allows.length === 0 ? html`<p>${t(l, "domains.noAllows")}</p>` : html`<ul>${allows.map((a) => html`<li>${a.host} ${
      actionButton(pc.fc, { id: `disallow-${a.host}`, action: "/console/domains/disallow", label: t(l, "domains.disallow"), hidden: { host: a.host }, secondary: true })}</li>`)}</ul>`}
${form(pc.fc, { id: "allow", action: "/console/domains/allow", submit: t(l, "domains.allow"), content: field(pc.fc, "allow", { name: "host", label: t(l, "domains.host"), hint: t(l, "domains.hostHint"), required: true }) })}`;
    return con.page(c, pc, t(l, "domains.heading"), body);
  };
  r.get("/domains", (c) => domainsPage(c, con.pageContext(c)));
  const domainAction = (name: string, run: Parameters<Console["action"]>[0]["run"]) => r.post(`/domains/${name}`, (c) => {
    con.requireOperator(c);
    return con.action({ formId: (f) => (name === "block" || name === "allow" ? name : `${name}-${f.host}`), run, render: domainsPage, back: () => "/console/domains" })(c);
  });
  domainAction("block", async (_c, f, pc) => {
    const { host, removedMembers } = await blockDomain(con.ops, f.host ?? "", f.reason?.trim() || null, pc.by);
    return { flash: t(pc.lang, "domains.blocked", { host, count: removedMembers }) };
  });
  domainAction("unblock", async (_c, f, pc) => ({ flash: t(pc.lang, "domains.unblocked", { host: await unblockDomain(con.ops, f.host ?? "", pc.by) }) }));
  domainAction("allow", async (_c, f, pc) => ({ flash: t(pc.lang, "domains.allowed", { host: (await allowDomain(con.ops, f.host ?? "", pc.by)).host }) }));
  domainAction("disallow", async (_c, f, pc) => ({ flash: t(pc.lang, "domains.disallowed", { host: await disallowDomain(con.ops, f.host ?? "", pc.by) }) }));

  // ------------------------------------------------------------ accounts

  const accountsPage = async (c: ConsoleContext, pc: PageContext) => {
    con.requireOperator(c);
    const l = pc.lang;
    const me = c.get("session").account.username;
    const accounts = await listAccounts(con.ops);
    const body = html`<h1>${t(l, "accounts.heading")}</h1>
<ul class="card-list">${accounts.map((a) => html`<li class="card"><h3>${a.username} ${a.username === me && html`<span class="muted">${t(l, "accounts.self")}</span>`}</h3>
<dl class="kv"><dt>${t(l, "accounts.role")}</dt><dd>${t(l, a.role === "operator" ? "console.role.operator" : "console.role.moderator")}</dd>
${a.actorUri && html`<dt>${t(l, "accounts.actor")}</dt><dd>${a.actorUri}</dd>`}
${a.communities.length > 0 && html`<dt>${t(l, "accounts.moderates")}</dt><dd>${a.communities.join(", ")}</dd>`}</dl>
<div class="actions">${actionButton(pc.fc, { id: `reset-${a.username}`, action: "/console/accounts/reset", label: t(l, "accounts.reset"), hidden: { username: a.username }, secondary: true })}${
      a.username !== me && actionButton(pc.fc, { id: `delete-${a.username}`, action: "/console/accounts/delete", label: t(l, "accounts.delete"), hidden: { username: a.username }, danger: true, confirm: t(l, "accounts.confirmDelete") })}</div></li>`)}</ul>
<h2>${t(l, "accounts.create")}</h2>
${form(pc.fc, { id: "create", action: "/console/accounts/create", submit: t(l, "accounts.create"), content: html`${
      field(pc.fc, "create", { name: "username", label: t(l, "accounts.username"), required: true, autocomplete: "off" })}${
      radios(pc.fc, "create", { name: "role", legend: t(l, "accounts.role"), value: "moderator", options: ROLES.map((role) => [role, t(l, role === "operator" ? "console.role.operator" : "console.role.moderator")]) })}${
      field(pc.fc, "create", { name: "actor", label: t(l, "accounts.actor"), hint: t(l, "accounts.actorHint") })}${
      field(pc.fc, "create", { name: "password", label: t(l, "accounts.password"), hint: t(l, "accounts.passwordHint"), type: "password", autocomplete: "new-password" })}` })}`;
    return con.page(c, pc, t(l, "accounts.heading"), body);
  };
  r.get("/accounts", (c) => accountsPage(c, con.pageContext(c)));
  const accountAction = (name: string, run: Parameters<Console["action"]>[0]["run"]) => r.post(`/accounts/${name}`, (c) => {
    con.requireOperator(c);
    return con.action({ formId: (f) => (name === "create" ? "create" : `${name}-${f.username}`), run, render: accountsPage, back: () => "/console/accounts" })(c);
  });
  accountAction("create", async (_c, f, pc) => {
    const { account, generatedPassword } = await createAccount(con.ops, {
      username: f.username?.trim() ?? "", role: f.role ?? "moderator", actor: f.actor?.trim() || null, password: f.password || null,
    }, pc.by);
    const flash = t(pc.lang, "accounts.created", { username: account.username });
    return generatedPassword ? { flash, secret: t(pc.lang, "accounts.generated", { password: generatedPassword }) } : { flash };
  });
  accountAction("reset", async (_c, f, pc) => {
    const generated = await resetPassword(con.ops, f.username ?? "", null, pc.by);
    return { flash: t(pc.lang, "accounts.resetDone", { username: f.username ?? "" }), secret: t(pc.lang, "accounts.generated", { password: generated ?? "" }) };
  });
  accountAction("delete", async (c, f, pc) => {
    if (f.username === c.get("session").account.username) throw new ValidationError("username", "you cannot delete your own account here");
    await deleteAccount(con.ops, f.username ?? "", pc.by);
    return { flash: t(pc.lang, "accounts.deleted", { username: f.username ?? "" }) };
  });

  // ------------------------------------------------------------ tokens

  const tokensPage = async (c: ConsoleContext, pc: PageContext) => {
    con.requireOperator(c);
    const l = pc.lang;
    const tokens = await listTokens(con.ops);
    const accounts = await listAccounts(con.ops);
    const body = html`<h1>${t(l, "tokens.heading")}</h1>
${tokens.length === 0 ? html`<p>${t(l, "tokens.none")}</p>` : html`<ul class="card-list">${tokens.map((tok) => html`<li class="card"><h3>${tok.name ?? tok.id.slice(0, 8)}</h3>
<p class="muted">${tok.username} · ${tok.revokedAt ? t(l, "tokens.revokedOn", { date: when(pc, tok.revokedAt) }) : tok.lastUsedAt ? t(l, "tokens.lastUsed", { date: when(pc, tok.lastUsedAt) }) : t(l, "tokens.neverUsed")}</p>
${!tok.revokedAt && html`<div class="actions">${actionButton(pc.fc, { id: `revoke-${tok.id}`, action: "/console/tokens/revoke", label: t(l, "tokens.revoke"), hidden: { id: tok.id }, danger: true })}</div>`}</li>`)}</ul>`}
<h2>${t(l, "tokens.create")}</h2>
${form(pc.fc, { id: "token", action: "/console/tokens/create", submit: t(l, "tokens.create"), content: html`${
      select(pc.fc, "token", { name: "username", label: t(l, "tokens.account"), value: c.get("session").account.username, options: accounts.map((a) => [a.username, a.username]) })}${
      field(pc.fc, "token", { name: "name", label: t(l, "tokens.name") })}` })}`;
    return con.page(c, pc, t(l, "tokens.heading"), body);
  };
  r.get("/tokens", (c) => tokensPage(c, con.pageContext(c)));
  r.post("/tokens/create", (c) => {
    con.requireOperator(c);
    return con.action({
      formId: () => "token", render: tokensPage, back: () => "/console/tokens",
      run: async (_c, f, pc) => {
        const { token } = await createToken(con.ops, f.username ?? "", f.name?.trim() || null, pc.by);
        return { flash: t(pc.lang, "console.done"), secret: t(pc.lang, "tokens.created", { token }) };
      },
    })(c);
  });
  r.post("/tokens/revoke", (c) => {
    con.requireOperator(c);
    return con.action({
      formId: (f) => `revoke-${f.id}`, render: tokensPage, back: () => "/console/tokens",
      run: async (_c, f, pc) => {
        await revokeToken(con.ops, f.id ?? "", pc.by);
        return { flash: t(pc.lang, "tokens.revoked") };
      },
    })(c);
  });

  // ------------------------------------------------------------ queue

  const queuePage = async (c: ConsoleContext, pc: PageContext) => {
    con.requireOperator(c);
    const l = pc.lang;
    const handles = con.deps.queue;
    if (!handles) return con.page(c, pc, t(l, "queue.heading"), html`<h1>${t(l, "queue.heading")}</h1><p>${t(l, "queue.unavailable")}</p>`);
    const status = await queueStatus(handles, { hosts: 50, deadLetters: 50 });
    const stat = (key: "queue.ready" | "queue.delayed" | "queue.leased" | "queue.dead", n: number): SafeHtml => html`<li><strong>${n}</strong>${t(l, key)}</li>`;
    const body = html`<h1>${t(l, "queue.heading")}</h1>
<ul class="stats">${stat("queue.ready", status.ready)}${stat("queue.delayed", status.delayed)}${stat("queue.leased", status.leased)}${stat("queue.dead", status.dead)}</ul>
${status.oldestReadyAgeMs !== null && html`<p>${t(l, "queue.oldest", { seconds: Math.round(status.oldestReadyAgeMs / 1000) })}</p>`}
<div class="actions">${actionButton(pc.fc, { id: "retry-all", action: "/console/queue/retry", label: t(l, "queue.retryAll") })}</div>
<h2>${t(l, "queue.hosts")}</h2>
${status.hosts.length === 0 ? html`<p>${t(l, "queue.noHosts")}</p>` : html`<ul class="card-list">${status.hosts.map((h) => html`<li class="card"><h3>${h.host}</h3>
<p>${h.circuit === "open" ? t(l, "queue.held") : h.circuit === "half-open" ? t(l, "queue.probing")
      : h.failures > 0 ? t(l, "queue.failing", { count: h.failures }) : t(l, "queue.ok")}</p>
<dl class="kv"><dt>${t(l, "queue.ready")}</dt><dd>${h.ready}</dd><dt>${t(l, "queue.delayed")}</dt><dd>${h.delayed}</dd><dt>${t(l, "queue.leased")}</dt><dd>${h.inFlight}</dd>
${h.nextAttemptAt && html`<dt>${t(l, "queue.next")}</dt><dd>${when(pc, h.nextAttemptAt)}</dd>`}
${h.lastSuccessAt && html`<dt>${t(l, "queue.lastSuccess")}</dt><dd>${when(pc, h.lastSuccessAt)}</dd>`}</dl>
${h.lastError && html`<pre><code>${h.lastError.slice(0, 300)}</code></pre>`}
<div class="actions">${actionButton(pc.fc, { id: `retry-${h.host}`, action: "/console/queue/retry", label: t(l, "queue.retry"), hidden: { host: h.host }, secondary: true })}</div></li>`)}</ul>`}
<h2>${t(l, "queue.deadHeading")}</h2>
${status.deadLetters.length === 0 ? html`<p>${t(l, "queue.noDead")}</p>` : html`${actionButton(pc.fc, { id: "retry-dead", action: "/console/queue/retry", label: t(l, "queue.retryDead"), hidden: { dead: "on" } })}
<ul class="card-list">${status.deadLetters.map((d) => html`<li class="card"><h3>${d.payloadType ?? "?"} <code>${d.id.slice(0, 8)}</code></h3>
<p class="muted">${t(l, "queue.attempts", { count: d.attempts })} · ${when(pc, d.createdAt.toISOString())}</p>
${d.lastError && html`<pre><code>${d.lastError.slice(0, 500)}</code></pre>`}</li>`)}</ul>`}`;
    return con.page(c, pc, t(l, "queue.heading"), body);
  };
  r.get("/queue", (c) => queuePage(c, con.pageContext(c)));
  r.post("/queue/retry", (c) => {
    con.requireOperator(c);
    return con.action({
      formId: (f) => (f.host ? `retry-${f.host}` : f.dead ? "retry-dead" : "retry-all"), render: queuePage, back: () => "/console/queue",
      run: async (_c, f, pc) => {
        if (!con.deps.queue) return { flash: t(pc.lang, "queue.unavailable") };
        const result = await retryDeliveriesAs(con.ops, con.deps.queue, { host: f.host || undefined, dead: f.dead === "on" }, pc.by);
        return { flash: t(pc.lang, "queue.retried", { count: result.rescheduled + result.deadRetried }) };
      },
    })(c);
  });

  // ------------------------------------------------------------ audit

  r.get("/audit", async (c) => {
    con.requireOperator(c);
    const pc = con.pageContext(c);
    const slug = c.req.query("community") || undefined;
    const communities = await repos.communities.list();
    const entries = await listAudit(con.ops, { community: slug && communities.some((x) => x.slug === slug) ? slug : undefined, limit: 200 });
    const body = html`<h1>${t(pc.lang, "audit.heading")}</h1>
<form method="get" action="/console/audit" class="toolbar">
${select(pc.fc, "audit", { name: "community", label: t(pc.lang, "audit.community"), value: slug ?? "", options: [["", t(pc.lang, "audit.all")], ...communities.map((x): [string, string] => [x.slug, x.name])] })}
<button type="submit" class="secondary">${t(pc.lang, "audit.filter")}</button>
</form>
${renderAudit(pc, entries)}`;
    return con.page(c, pc, t(pc.lang, "audit.heading"), body);
  });

  return r;
}
