// The meetings section of a community page and the page of one meeting
// (the Event's `url`). Dates and times are shown in the meeting's own zone.
import { t } from "../i18n.ts";
import { html, httpUrl, type SafeHtml, textToParagraphs } from "../sanitize.ts";
import type { InstanceView, Lang } from "../views.ts";
import { renderLayout } from "./layout.ts";

export interface MeetingItemView {
  /** The occurrence's page (and Event id). */
  url: string;
  title: string;
  start: string;
  end: string;
  timezone: string;
  place: string | null;
  online: string | null;
  attending: number;
  capacity: number | null;
  cancelled: boolean;
  repeat: "weekly" | "biweekly" | "monthly" | "quarterly" | null;
  description?: string;
}

/** "Thursday 3 December 2026, 19:00–20:30": in the meeting's zone, in the page's language. */
export function formatWhen(lang: Lang, m: Pick<MeetingItemView, "start" | "end" | "timezone">): string {
  const format = new Intl.DateTimeFormat(lang === "fr" ? "fr-FR" : "en-GB", {
    timeZone: m.timezone, weekday: "long", day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit",
  });
  return format.formatRange(new Date(m.start), new Date(m.end));
}

function seats(m: MeetingItemView, lang: Lang): string {
  if (m.capacity === null) return t(lang, "meetings.attending", { count: m.attending });
  const taken = t(lang, "meetings.seats", { attending: m.attending, capacity: m.capacity });
  return m.attending >= m.capacity ? `${taken}. ${t(lang, "meetings.full")}` : taken;
}

function details(m: MeetingItemView, lang: Lang): SafeHtml {
  const online = httpUrl(m.online);
  return html`<dl class="facts">
<dt>${t(lang, "meetings.when")}</dt><dd><time datetime="${m.start}">${formatWhen(lang, m)}</time> <span class="muted">(${m.timezone})</span>${
    m.repeat !== null && html`<br>${t(lang, `meetings.repeats.${m.repeat}`)}`}</dd>
${(m.place || online) && html`<dt>${t(lang, "meetings.where")}</dt><dd>${m.place}${m.place && online && html`<br>`}${
    online && html`${t(lang, "meetings.online")}: <a href="${online}" rel="nofollow noopener">${t(lang, "meetings.joinOnline")}</a>`}</dd>`}
</dl>
<p>${m.cancelled ? html`<strong>${t(lang, "meetings.cancelled")}</strong>` : seats(m, lang)}</p>`;
}

export function renderMeetingsSection(items: MeetingItemView[], lang: Lang, slug: string, hasParents: boolean): SafeHtml {
  return html`<section aria-labelledby="meetings-heading">
<h2 id="meetings-heading">${t(lang, "meetings.heading")}</h2>
${items.length === 0 ? html`<p>${t(lang, "meetings.none")}</p>` : html`<ul class="meetings">${items.map((m) => html`<li>
<h3><a href="${m.url}">${m.cancelled ? `${t(lang, "meetings.cancelled")}: ${m.title}` : m.title}</a></h3>
${details(m, lang)}
</li>`)}</ul>`}
<p><a href="/c/${slug}/calendar.ics" type="text/calendar">${t(lang, "meetings.calendar")}</a>${
    hasParents && html`<br><a href="/c/${slug}/calendar.ics?network=1" type="text/calendar">${t(lang, "meetings.networkCalendar")}</a>`}</p>
</section>`;
}

export interface MeetingPageView {
  instance: InstanceView;
  community: { slug: string; name: string };
  meeting: MeetingItemView & { description: string };
  url: URL;
}

export function renderMeetingPage(view: MeetingPageView, lang: Lang): string {
  const { meeting: m, community } = view;
  const body = html`<h1>${m.cancelled ? `${t(lang, "meetings.cancelled")}: ${m.title}` : m.title}</h1>
<p class="muted"><a href="/c/${community.slug}">${t(lang, "meetings.backToCommunity", { name: community.name })}</a></p>
${details(m, lang)}
${textToParagraphs(m.description)}
${!m.cancelled && html`<p>${t(lang, "meetings.howToAttend")}</p>`}
<p><a href="/c/${community.slug}/calendar.ics" type="text/calendar">${t(lang, "meetings.calendar")}</a></p>`;
  return renderLayout({
    lang, title: m.title, instance: view.instance, body, description: `${formatWhen(lang, m)} (${m.timezone})`, url: view.url, canonical: m.url,
    alternates: [{ type: "application/activity+json", href: m.url }],
  });
}
