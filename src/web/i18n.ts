// Message catalogues for the server-rendered pages. Messages are plain text
// with `{name}` placeholders; pages escape them like any other text. French
// typography wants a no-break space before a colon, written as \u00a0.

import type { Lang } from "./views.ts";
import { html, SafeHtml, type HtmlValue } from "./sanitize.ts";
import { consoleEn, consoleFr } from "./messages/console.ts";
import { meetingsEn, meetingsFr } from "./messages/meetings.ts";
import { resourcesEn, resourcesFr } from "./messages/resources.ts";
import { glossaryEn, glossaryFr } from "./messages/glossary.ts";
import { visitorEn, visitorFr } from "./messages/visitor.ts";
import { workingGroupsEn, workingGroupsFr } from "./messages/working-groups.ts";

export const LANGUAGES: readonly Lang[] = ["en", "fr"];

/** Counted message, chosen by `Intl.PluralRules`. */
interface Plural {
  readonly one: string;
  readonly other: string;
}

const en = {
  ...visitorEn,
  ...meetingsEn,
  ...consoleEn,
  ...resourcesEn,
  ...glossaryEn,
  ...workingGroupsEn,
  "layout.skipToContent": "Skip to main content",
  "layout.languages": "Language",
  "layout.poweredBy": "Powered by Praxis",

  "scale.local": "Local",
  "scale.regional": "Regional",
  "scale.national": "National",
  "scale.international": "International",
  "stream.learn": "Learn",
  "stream.share": "Share",
  "stream.build": "Build",
  "stream.badge": "{stream} stream",

  "community.members": { one: "{count} member", other: "{count} members" },
  "community.scale": "Scale",
  "community.stream": "Stream",
  "community.languages": "Languages",
  "community.membership": "Membership",
  "community.open": "Open",
  "community.closed": "Closed",
  "community.openExplained": "Open: anyone who follows becomes a member",
  "community.closedExplained": "Closed: moderators approve new members",
  "community.whoCanPost": "Who can post",
  "community.postingMembers": "Members",
  "community.postingAnyone": "Anyone on the fediverse",
  "community.postingModerators": "Moderators start threads (announcements); members reply",
  "community.created": "Created",

  "home.communities": "Communities",
  "home.noCommunities": "There are no communities here yet.",
  "home.howToCreate": "The operator of this server creates them from the command line:",

  "follow.heading": "How to follow from Mastodon",
  "follow.search": "In Mastodon (or any fediverse app), search for {handle}.",
  "follow.press": "Open the community’s profile and press Follow.",
  "follow.open": "You are a member straight away: the community’s posts appear as boosts in your home timeline.",
  "follow.closed": "This community is closed: a moderator reviews your request, and once it is approved the community’s posts appear as boosts in your home timeline.",
  "follow.postMembers": "To post, mention {handle} in a public post once you are a member: the community shares it with all its members.",
  "follow.postAnyone": "To post, mention {handle} in a public post: the community shares it with all its members.",

  "posts.heading": "Recent posts",
  "posts.none": "No posts yet.",
  "posts.contentWarning": "Content warning:",
  "posts.kind.Video": "Video",
  "posts.kind.Audio": "Audio",
  "posts.kind.Event": "Event",
  "posts.when": "When:",
  "posts.where": "Where:",
  "posts.inReplyTo": "Reply to another post",
  "posts.pinned": "Pinned",
  "posts.locked": "Locked",
  "posts.viewOriginal": "View original",

  "membersOnly.heading": "Posts for members only",
  "membersOnly.hidden": "This community is closed: its posts are shared with its members only. They are not shown on this page, and its outbox, pinned posts and member list are not public.",
  "membersOnly.howToRead": "To read them, follow the community from your fediverse account: once a moderator approves your request, its posts reach you as boosts.",
  "membersOnly.limits": "What members post stays as public as they made it on their own servers, and members can share what they read: a closed community keeps its posts off the open web, it does not make them secret.",

  "network.heading": "Network",
  "network.none": "This community is not linked to other communities yet.",
  "network.diagramTitle": "{name} in the network of communities",
  "network.above": { one: "One community above it: {names}.", other: "{count} communities above it: {names}." },
  "network.below": { one: "One sub-community below it: {names}.", other: "{count} sub-communities below it: {names}." },
  "network.noneAbove": "No community above it.",
  "network.noneBelow": "No sub-community below it.",
  "network.partOf": "Part of",
  "network.subcommunities": "Sub-communities",
  "network.repeated": "also listed above",
  "network.closed": "closed",
  "network.notYetKnown": "details not yet known",

  "fromSub.heading": "From sub-communities",
  "fromSub.none": "Nothing from sub-communities yet.",
  "fromSub.via": "From {community}",
  "fromSub.by": "by {author}",
  "fromSub.promoted": "Promoted",

  "error.status": "Error {status}",
  "error.400": "Bad request",
  "error.403": "Access denied",
  "error.404": "Page not found",
  "error.406": "Format not available",
  "error.410": "This page is gone",
  "error.429": "Too many requests",
  "error.503": "Temporarily unavailable",
  "error.client": "This request could not be handled",
  "error.server": "Something went wrong on our side",
  "error.400.explain": "The request was not understood.",
  "error.403.explain": "You are not allowed to see this page.",
  "error.404.explain": "There is nothing at this address. The community may have been renamed or never existed.",
  "error.406.explain": "This address does not offer the format your client asked for.",
  "error.410.explain": "What was here has been deleted.",
  "error.429.explain": "Please wait a moment before trying again.",
  "error.503.explain": "The server is busy or under maintenance. Please try again later.",
  "error.client.explain": "Please check the address and try again.",
  "error.server.explain": "The server failed to complete the request. Please try again later.",
  "error.backHome": "Back to the home page",
} as const satisfies Record<string, string | Plural>;

type English = typeof en;
export type MessageKey = keyof English;
/** Keys whose message is counted: pass `count` to `t`. */
export type PluralKey = { [K in MessageKey]: English[K] extends string ? never : K }[MessageKey];
export type TextKey = Exclude<MessageKey, PluralKey>;

/** Every catalogue has exactly the English keys, each with the same shape. */
type Catalogue = { readonly [K in MessageKey]: English[K] extends string ? string : Plural };

const fr: Catalogue = {
  ...visitorFr,
  ...meetingsFr,
  ...consoleFr,
  ...resourcesFr,
  ...glossaryFr,
  ...workingGroupsFr,
  "layout.skipToContent": "Aller au contenu principal",
  "layout.languages": "Langue",
  "layout.poweredBy": "Propulsé par Praxis",

  "scale.local": "Local",
  "scale.regional": "Régional",
  "scale.national": "National",
  "scale.international": "International",
  "stream.learn": "Apprendre",
  "stream.share": "Partager",
  "stream.build": "Construire",
  "stream.badge": "Volet {stream}",

  "community.members": { one: "{count} membre", other: "{count} membres" },
  "community.scale": "Échelle",
  "community.stream": "Volet",
  "community.languages": "Langues",
  "community.membership": "Adhésion",
  "community.open": "Ouverte",
  "community.closed": "Fermée",
  "community.openExplained": "Ouverte\u00a0: toute personne qui la suit en devient membre",
  "community.closedExplained": "Fermée\u00a0: les modérateurs approuvent les nouveaux membres",
  "community.whoCanPost": "Qui peut publier",
  "community.postingMembers": "Les membres",
  "community.postingAnyone": "Tout le monde sur le fédivers",
  "community.postingModerators": "Les modérateurs ouvrent les fils (annonces) ; les membres répondent",
  "community.created": "Création",

  "home.communities": "Communautés",
  "home.noCommunities": "Il n’y a pas encore de communauté ici.",
  "home.howToCreate": "L’opérateur de ce serveur les crée en ligne de commande\u00a0:",

  "follow.heading": "Suivre depuis Mastodon",
  "follow.search": "Dans Mastodon (ou toute application du fédivers), recherchez {handle}.",
  "follow.press": "Ouvrez le profil de la communauté et appuyez sur Suivre.",
  "follow.open": "Vous devenez membre immédiatement\u00a0: les publications de la communauté apparaissent comme partages dans votre fil d’accueil.",
  "follow.closed": "Cette communauté est fermée\u00a0: un modérateur examine votre demande et, une fois celle-ci approuvée, les publications de la communauté apparaissent comme partages dans votre fil d’accueil.",
  "follow.postMembers": "Pour publier, une fois membre, mentionnez {handle} dans une publication publique\u00a0: la communauté la partage avec tous ses membres.",
  "follow.postAnyone": "Pour publier, mentionnez {handle} dans une publication publique\u00a0: la communauté la partage avec tous ses membres.",

  "posts.heading": "Publications récentes",
  "posts.none": "Aucune publication pour l’instant.",
  "posts.contentWarning": "Avertissement de contenu\u00a0:",
  "posts.kind.Video": "Vidéo",
  "posts.kind.Audio": "Audio",
  "posts.kind.Event": "Évènement",
  "posts.when": "Quand\u00a0:",
  "posts.where": "Où\u00a0:",
  "posts.inReplyTo": "Réponse à une autre publication",
  "posts.pinned": "Épinglé",
  "posts.locked": "Verrouillé",
  "posts.viewOriginal": "Voir l’original",

  "membersOnly.heading": "Publications réservées aux membres",
  "membersOnly.hidden": "Cette communauté est fermée : ses publications ne sont partagées qu’avec ses membres. Elles ne sont pas affichées sur cette page, et sa boîte d’envoi, ses publications épinglées et sa liste de membres ne sont pas publiques.",
  "membersOnly.howToRead": "Pour les lire, suivez la communauté depuis votre compte du fédivers : une fois votre demande approuvée par un modérateur, ses publications vous parviennent sous forme de partages.",
  "membersOnly.limits": "Ce que publient les membres reste aussi public qu’ils l’ont rendu sur leur propre serveur, et les membres peuvent partager ce qu’ils lisent : une communauté fermée tient ses publications à l’écart du web ouvert, elle ne les rend pas secrètes.",

  "network.heading": "Réseau",
  "network.none": "Cette communauté n’est pas encore reliée à d’autres communautés.",
  "network.diagramTitle": "{name} dans le réseau des communautés",
  "network.above": { one: "Une communauté au-dessus\u00a0: {names}.", other: "{count} communautés au-dessus\u00a0: {names}." },
  "network.below": { one: "Une sous-communauté en dessous\u00a0: {names}.", other: "{count} sous-communautés en dessous\u00a0: {names}." },
  "network.noneAbove": "Aucune communauté au-dessus.",
  "network.noneBelow": "Aucune sous-communauté en dessous.",
  "network.partOf": "Fait partie de",
  "network.subcommunities": "Sous-communautés",
  "network.repeated": "déjà citée plus haut",
  "network.closed": "fermée",
  "network.notYetKnown": "détails pas encore connus",

  "fromSub.heading": "Des sous-communautés",
  "fromSub.none": "Rien des sous-communautés pour l’instant.",
  "fromSub.via": "Depuis {community}",
  "fromSub.by": "par {author}",
  "fromSub.promoted": "Mise en avant",

  "error.status": "Erreur {status}",
  "error.400": "Requête incorrecte",
  "error.403": "Accès refusé",
  "error.404": "Page introuvable",
  "error.406": "Format non disponible",
  "error.410": "Cette page n’existe plus",
  "error.429": "Trop de requêtes",
  "error.503": "Service temporairement indisponible",
  "error.client": "Cette requête n’a pas pu être traitée",
  "error.server": "Une erreur s’est produite de notre côté",
  "error.400.explain": "La requête n’a pas été comprise.",
  "error.403.explain": "Vous n’avez pas accès à cette page.",
  "error.404.explain": "Il n’y a rien à cette adresse. La communauté a peut-être été renommée, ou n’a jamais existé.",
  "error.406.explain": "Cette adresse ne propose pas le format demandé par votre client.",
  "error.410.explain": "Ce qui se trouvait ici a été supprimé.",
  "error.429.explain": "Veuillez patienter un instant avant de réessayer.",
  "error.503.explain": "Le serveur est occupé ou en maintenance. Veuillez réessayer plus tard.",
  "error.client.explain": "Vérifiez l’adresse et réessayez.",
  "error.server.explain": "Le serveur n’a pas pu traiter la requête. Veuillez réessayer plus tard.",
  "error.backHome": "Retour à l’accueil",
};

const CATALOGUES: Readonly<Record<Lang, Catalogue>> = { en, fr };

/** The keys of a catalogue, for tests that check them at run time too. */
export function messageKeys(lang: Lang): string[] {
  return Object.keys(CATALOGUES[lang]);
}

function isLang(value: string): value is Lang {
  return (LANGUAGES as readonly string[]).includes(value);
}

/** The primary subtag of a language tag, lower-cased: "fr-CA" → "fr". */
function primaryLanguage(tag: string): string {
  return tag.trim().split("-")[0].toLowerCase();
}

/**
 * The page language: an explicit choice (the `?lang=` query) wins, then the
 * best supported entry of Accept-Language by q-value (ties keep header
 * order; q=0 means "not acceptable"), then `fallback`.
 */
export function pickLanguage(acceptLanguage: string | undefined, explicit: string | undefined, fallback: Lang): Lang {
  if (explicit !== undefined) {
    const lang = primaryLanguage(explicit);
    if (isLang(lang)) return lang;
  }
  if (acceptLanguage === undefined) return fallback;
  const ranges = acceptLanguage.split(",").flatMap((entry) => {
    const [range, ...params] = entry.split(";");
    const qParam = params.map((p) => p.trim()).find((p) => p.toLowerCase().startsWith("q="));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    return Number.isFinite(q) && q > 0 ? [{ lang: primaryLanguage(range), q }] : [];
  });
  // Array.prototype.sort is stable, so equal q-values keep the client's order.
  ranges.sort((a, b) => b.q - a.q);
  for (const { lang } of ranges) {
    if (lang === "*") return fallback;
    if (isLang(lang)) return lang;
  }
  return fallback;
}

type Params = Readonly<Record<string, string | number>>;

const numberFormats = new Map<Lang, Intl.NumberFormat>();
const pluralRules = new Map<Lang, Intl.PluralRules>();

function cached<T>(cache: Map<Lang, T>, lang: Lang, make: () => T): T {
  let value = cache.get(lang);
  if (value === undefined) {
    value = make();
    cache.set(lang, value);
  }
  return value;
}

function formatNumber(lang: Lang, n: number): string {
  return cached(numberFormats, lang, () => new Intl.NumberFormat(lang)).format(n);
}

function template(lang: Lang, key: MessageKey, params: Params | undefined): string {
  const message = CATALOGUES[lang][key];
  if (typeof message === "string") return message;
  const count = params?.count;
  if (typeof count !== "number") throw new TypeError(`Message ${key} needs a numeric count`);
  // CLDR has more categories than one/other (French "many" for millions);
  // the catalogues only distinguish the singular.
  return cached(pluralRules, lang, () => new Intl.PluralRules(lang)).select(count) === "one"
    ? message.one
    : message.other;
}

/** Splits a message into literal text and placeholder values, in order. */
function interpolate<T>(message: string, params: Readonly<Record<string, T>> | undefined): (string | T)[] {
  return message.split(/\{(\w+)\}/).map((part, i) => {
    if (i % 2 === 0) return part;
    if (params === undefined || !Object.hasOwn(params, part)) throw new TypeError(`Missing message parameter {${part}}`);
    return params[part];
  });
}

/** A message as plain text, numbers formatted for `lang`. Plural messages
 *  take `count`. The result still has to be escaped (`html` does it). */
export function t(lang: Lang, key: TextKey, params?: Params): string;
export function t(lang: Lang, key: PluralKey, params: Params & { readonly count: number }): string;
export function t(lang: Lang, key: MessageKey, params?: Params): string {
  return interpolate(template(lang, key, params), params)
    .map((part) => (typeof part === "number" ? formatNumber(lang, part) : part))
    .join("");
}

/** A message as markup, for messages whose placeholders hold markup (such as
 *  a `<code>` handle): the message text and string values are escaped. */
export function tHtml(lang: Lang, key: TextKey, params: Readonly<Record<string, HtmlValue>>): SafeHtml {
  return html`${interpolate(template(lang, key, undefined), params)}`;
}

const dateFormats = new Map<Lang, Intl.DateTimeFormat>();
const dateTimeFormats = new Map<Lang, Intl.DateTimeFormat>();

// Pages are rendered for readers in any time zone, so times are shown in UTC
// and say so.
function format(cache: Map<Lang, Intl.DateTimeFormat>, lang: Lang, options: Intl.DateTimeFormatOptions, iso: string): string | null {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return null;
  return cached(cache, lang, () => new Intl.DateTimeFormat(lang, { ...options, timeZone: "UTC" })).format(date);
}

/** "12 March 2025" style date, or null when `iso` is not a date. */
export function formatDate(lang: Lang, iso: string): string | null {
  return format(dateFormats, lang, { dateStyle: "long" }, iso);
}

/** Date and time with the time zone, or null when `iso` is not a date. */
export function formatDateTime(lang: Lang, iso: string): string | null {
  return format(dateTimeFormats, lang, {
    year: "numeric", month: "long", day: "numeric", hour: "numeric", minute: "2-digit", timeZoneName: "short",
  }, iso);
}

const languageNames = new Map<Lang, Intl.DisplayNames>();
const listFormats = new Map<Lang, Intl.ListFormat>();

/** Language codes as a sentence in `lang`: ["en", "fr"] → "English and French". */
export function formatLanguageList(lang: Lang, codes: readonly string[]): string {
  const names = cached(languageNames, lang, () => new Intl.DisplayNames(lang, { type: "language", fallback: "code" }));
  const named = codes.map((code) => {
    try {
      return names.of(code) ?? code;
    } catch {
      return code; // not a well-formed language tag
    }
  });
  return cached(listFormats, lang, () => new Intl.ListFormat(lang, { type: "conjunction" })).format(named);
}
