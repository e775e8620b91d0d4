// The console's page chrome: who is signed in, the navigation (operators
// also get the server's pages), a community's tabs, and the message left
// by the last action.
import type { Community } from "../../domain/community.ts";
import { mayOperateInstance } from "../../domain/credentials.ts";
import { t } from "../i18n.ts";
import { renderLayout } from "../pages/layout.ts";
import { html, type SafeHtml } from "../sanitize.ts";
import type { InstanceView, Lang } from "../views.ts";
import { csrfField, type FormContext } from "./forms.ts";

export interface ConsolePage {
  fc: FormContext;
  instance: InstanceView;
  title: string;
  body: SafeHtml;
  url: URL;
  /** The message of the action that led here. */
  flash?: string | null;
  /** A secret shown once (a generated password or token). */
  secret?: string | null;
}

const TABS = [
  ["members", "tabs.members"], ["links", "tabs.network"], ["reports", "tabs.reports"],
  ["posts", "tabs.posts"], ["meetings", "tabs.meetings"], ["resources", "tabs.resources"], ["glossary", "tabs.glossary"],
  ["deliverables", "tabs.deliverables"], ["settings", "tabs.settings"], ["audit", "tabs.audit"],
] as const;
export type CommunityTab = (typeof TABS)[number][0];

export function communityTabs(community: Community, current: CommunityTab, lang: Lang, counts: Partial<Record<CommunityTab, number>> = {}): SafeHtml {
  return html`<nav aria-label="${community.name}"><ul class="tabs">${TABS.map(([tab, key]) => html`<li><a href="/console/c/${community.slug}/${tab}"${
    tab === current && html` aria-current="page"`}>${t(lang, key)}${(counts[tab] ?? 0) > 0 && html`<span class="count">${counts[tab]}</span>`}</a></li>`)}</ul></nav>`;
}

export function renderConsolePage(page: ConsolePage): string {
  const { fc } = page;
  const { lang, session } = fc;
  const operator = mayOperateInstance(session.principal);
  const links: [string, string][] = [["/console", t(lang, "console.dashboard")]];
  if (operator) {
    links.push(["/console/domains", t(lang, "domains.heading")], ["/console/accounts", t(lang, "accounts.heading")],
      ["/console/tokens", t(lang, "tokens.heading")], ["/console/queue", t(lang, "queue.heading")], ["/console/audit", t(lang, "audit.heading")]);
  }
  const nav = html`<nav aria-label="${t(lang, "console.nav")}"><ul class="inline-list">${links.map(([href, label]) => html`<li><a href="${href}"${
    page.url.pathname === href && html` aria-current="page"`}>${label}</a></li>`)}
<li><form method="post" action="/logout" class="inline">${csrfField(session)}<button type="submit" class="secondary">${t(lang, "console.signOut")}</button></form></li></ul></nav>`;
  const body = html`<p class="muted">${t(lang, "console.signedInAs", { username: session.account.username, role: t(lang, operator ? "console.role.operator" : "console.role.moderator") })}</p>
${page.flash && html`<p class="notice" role="status">${page.flash}</p>`}
${page.secret && html`<p class="notice" role="status"><strong>${page.secret}</strong></p>`}
${page.body}`;
  return renderLayout({ lang, title: page.title, instance: page.instance, body, url: page.url, noindex: true, nav });
}
