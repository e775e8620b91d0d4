// Whether an incoming activity is plain enough to be read as JSON, without
// JSON-LD processing, and still mean what JSON-LD processing would read:
// the inbox's direct path (inbox-accept.ts) answers `202` for such an
// activity after this check alone and leaves the JSON-LD parse to the worker,
// where Fedify does it in any case. Everything else — an unknown context, an
// inline context that renames or aliases a term, a compact-IRI or `@` key, a
// type or property this check does not know, a value of the wrong kind — is
// handed to Fedify's handler, which parses it before answering, as before.
//
// "Plain" means: the ActivityStreams context, and besides it only contexts
// Fedify preloads (the security vocabulary, Mastodon's, Lemmy's) and inline
// term definitions that redefine no ActivityStreams term and make no other
// term an alias of one that holds URLs or objects (Lemmy's `expires` for
// `endTime` is checked as a date); every
// property an ActivityStreams term this check knows the value kind of (an
// absolute URL or an embedded object, a date-time, a string, a language
// map, a count), or an extension's term carrying plain values; every type
// one that Fedify's vocabulary parses. The test beside it holds this to
// Fedify's parser: what is plain, Fedify parses, to the same id and actor.
import { preloadedContexts } from "@fedify/fedify";

const AS = "https://www.w3.org/ns/activitystreams";
const AS_NS = `${AS}#`;
const SEC_NS = "https://w3id.org/security#";
const PUBLIC = new Set([`${AS_NS}Public`, "as:Public"]);

type Kind = "iris" | "href" | "date" | "string" | "strings" | "langmap" | "count" | "source";

/** The ActivityStreams terms admitted, by the kind of value each takes. */
const KINDS: Readonly<Record<string, Kind>> = {
  actor: "iris", attributedTo: "iris", inReplyTo: "iris", target: "iris", origin: "iris", context: "iris", audience: "iris",
  to: "iris", cc: "iris", bto: "iris", bcc: "iris", object: "iris", url: "iris", tag: "iris", attachment: "iris",
  replies: "iris", likes: "iris", shares: "iris", first: "iris", next: "iris", last: "iris", prev: "iris", current: "iris",
  partOf: "iris", items: "iris", orderedItems: "iris", icon: "iris", image: "iris", preview: "iris", generator: "iris",
  inbox: "iris", outbox: "iris", following: "iris", followers: "iris", liked: "iris",
  href: "href",
  published: "date", updated: "date", startTime: "date", endTime: "date", deleted: "date",
  content: "string", name: "string", summary: "string", mediaType: "string", preferredUsername: "string", hreflang: "string",
  rel: "strings",
  contentMap: "langmap", nameMap: "langmap", summaryMap: "langmap",
  totalItems: "count", width: "count", height: "count", startIndex: "count",
  source: "source",
};

/** The types of the activity itself (Fedify's Activity subclasses among those admitted). */
const ACTIVITY_TYPES = new Set(["Accept", "Add", "Announce", "Block", "Create", "Delete", "Dislike", "Flag", "Follow", "Like", "Reject", "Remove", "Undo", "Update"]);
/** Types Fedify's vocabulary parses that this check admits (ActivityStreams', and the common extensions' by their usual names). */
const TYPES = new Set([
  ...ACTIVITY_TYPES,
  "Note", "Article", "Page", "Document", "Image", "Video", "Audio", "Event", "Tombstone", "Link", "Mention", "Object",
  "Collection", "OrderedCollection", "CollectionPage", "OrderedCollectionPage",
  "Person", "Group", "Service", "Application", "Organization",
]);
/** Extension types admitted where a context defines them as usual. */
const EXTENSION_TYPES: Readonly<Record<string, string>> = {
  Hashtag: `${AS_NS}Hashtag`,
  Emoji: "http://joinmastodon.org/ns#Emoji",
};
/** Extension properties Fedify parses with a value kind, admitted where a context defines them as usual. */
const EXTENSION_KINDS: Readonly<Record<string, { iri: string; kind: "boolean" | "string" }>> = {
  sensitive: { iri: `${AS_NS}sensitive`, kind: "boolean" },
};
/**
 * Properties outside ActivityStreams' namespace that Fedify's vocabulary
 * parses (read off @fedify/vocab 2.3.6): an extension term naming one of
 * them, or an ActivityStreams IRI, other than those above, is not plain.
 */
const PARSED_IRIS = new Set([
  "http://fedibird.com/ns#emojiReactions", "http://fedibird.com/ns#quoteUri",
  ...["discoverable", "featured", "featuredTags", "indexable", "memorial", "suspended", "votersCount"].map((p) => `http://joinmastodon.org/ns#${p}`),
  "http://schema.org#value", "http://www.w3.org/ns/ldp#inbox",
  ...["announceAuthorization", "approvedBy", "automaticApproval", "canAnnounce", "canLike", "canQuote", "canReply", "interactingObject",
    "interactionPolicy", "interactionTarget", "likeAuthorization", "manualApproval", "replyAuthorization"].map((p) => `https://gotosocial.org/ns#${p}`),
  "https://misskey-hub.net/ns#_misskey_followedMessage", "https://misskey-hub.net/ns#_misskey_quote", "https://misskey-hub.net/ns#isCat",
  "https://w3id.org/fep/044f#quote", "https://w3id.org/fep/044f#quoteAuthorization",
  ...["followersOf", "followingOf", "inboxOf", "likedOf", "likesOf", "outboxOf", "repliesOf", "sharesOf"].map((p) => `https://w3id.org/fep/5711#${p}`),
  ...["assertionMethod", "controller", "cryptosuite", "multibase", "owner", "proof", "proofPurpose", "proofValue", "publicKey",
    "publicKeyMultibase", "publicKeyPem", "verificationMethod"].map((p) => `${SEC_NS}${p}`),
  "https://www.w3.org/ns/did#service", "https://www.w3.org/ns/did#serviceEndpoint",
]);
const isParsed = (iri: string) => PARSED_IRIS.has(iri) || iri.startsWith(AS_NS) || iri.startsWith("https://w3id.org/valueflows/");

const COLLECTIONS = new Set(["Collection", "OrderedCollection", "CollectionPage", "OrderedCollectionPage"]);
const PAGES = new Set(["CollectionPage", "OrderedCollectionPage", "Link"]);
const LINKS = new Set(["Link", "Mention", "Hashtag"]);
/** The types an embedded object may have, for the properties whose range Fedify narrows (any admitted type elsewhere). */
const RANGES: Readonly<Record<string, ReadonlySet<string>>> = {
  replies: COLLECTIONS, likes: COLLECTIONS, shares: COLLECTIONS, partOf: COLLECTIONS,
  inbox: COLLECTIONS, outbox: COLLECTIONS, following: COLLECTIONS, followers: COLLECTIONS, liked: COLLECTIONS,
  first: PAGES, next: PAGES, last: PAGES, prev: PAGES, current: PAGES,
  url: LINKS, href: LINKS, icon: new Set(["Image"]), image: new Set(["Image"]),
};

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;
const LANGUAGE_TAG = /^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$/;

const asContext = (preloadedContexts[AS] as { "@context": Record<string, unknown> })["@context"];
const AS_TERMS = new Set(Object.keys(asContext).filter((term) => !term.startsWith("@")));

/** The IRI a term definition maps to, with the prefixes these contexts use expanded. */
function expand(iri: string, prefixes: ReadonlyMap<string, string>): string {
  const colon = iri.indexOf(":");
  if (colon > 0 && !iri.startsWith("http://") && !iri.startsWith("https://")) {
    const namespace = prefixes.get(iri.slice(0, colon));
    if (namespace !== undefined) return namespace + iri.slice(colon + 1);
  }
  return iri;
}

interface Terms {
  /** Extension terms defined (their name → expanded IRI). */
  defined: Map<string, string>;
  /** Prefixes defined so far, in the order the contexts come (a term is expanded when its context is read). */
  prefixes: Map<string, string>;
}

const newTerms = (): Terms => ({ defined: new Map(), prefixes: new Map([["as", AS_NS], ["sec", SEC_NS]]) });

/**
 * Adds a context's term definitions to `terms`; false when one would make
 * the JSON mean something else than its keys say: an ActivityStreams term
 * redefined, another term made an alias of an ActivityStreams term that
 * holds URLs or objects (`"foo": "as:actor"` would make foo an actor), a
 * keyword or scoped context this check does not model. (An alias of a term
 * holding a date or a string, as Lemmy's `expires` for `endTime`, is
 * checked as that term.)
 */
function addContext(context: Record<string, unknown>, terms: Terms): boolean {
  const { prefixes } = terms;
  for (const [term, definition] of Object.entries(context)) {
    if (typeof definition === "string" && (definition.endsWith("#") || definition.endsWith("/"))) prefixes.set(term, definition);
  }
  for (const [term, definition] of Object.entries(context)) {
    if (term === "@version" && definition === 1.1) continue;
    if (term === "@protected" && typeof definition === "boolean") continue;
    if (term.startsWith("@") || term.includes(":")) return false;
    if (AS_TERMS.has(term)) {
      if (JSON.stringify(definition) !== JSON.stringify(asContext[term])) return false;
      continue;
    }
    let iri: unknown = definition;
    if (definition !== null && typeof definition === "object" && !Array.isArray(definition)) {
      const d = definition as Record<string, unknown>;
      if (Object.keys(d).some((k) => !["@id", "@type", "@container"].includes(k))) return false;
      iri = d["@id"];
    }
    if (typeof iri !== "string") return false;
    const expanded = expand(iri, prefixes);
    if (term === "as" || term === "sec") {
      if (expanded !== prefixes.get(term)) return false;
      continue;
    }
    if (expanded.startsWith(AS_NS) && expanded !== AS_NS + term) {
      const kind = KINDS[expanded.slice(AS_NS.length)];
      if (kind === undefined || kind === "iris" || kind === "href") return false;
    }
    terms.defined.set(term, expanded);
  }
  return true;
}

/** Adds a context (a URL of a context Fedify preloads, an inline one, or a list of those) to `terms`; false if it is not plain. */
function addContexts(context: unknown, terms: Terms, depth = 0): boolean {
  if (depth > 2) return false;
  if (Array.isArray(context)) return context.every((c) => addContexts(c, terms, depth + 1));
  if (typeof context === "string") {
    const named = NAMED_CONTEXTS.get(context);
    if (!named) return false;
    for (const [term, iri] of named.defined) terms.defined.set(term, iri);
    for (const [prefix, namespace] of named.prefixes) terms.prefixes.set(prefix, namespace);
    return true;
  }
  return isRecord(context) && addContext(context, terms);
}

/** Preloaded contexts an activity may name after ActivityStreams', read once. */
const NAMED_CONTEXTS = new Map<string, Terms>();
for (const url of ["https://w3id.org/security/v1", "http://joinmastodon.org/ns", "https://join-lemmy.org/context.json"]) {
  const terms = newTerms();
  if (addContexts((preloadedContexts[url] as { "@context"?: unknown } | undefined)?.["@context"], terms)) NAMED_CONTEXTS.set(url, terms);
}

function isIri(value: unknown): value is string {
  if (typeof value !== "string") return false;
  if (PUBLIC.has(value)) return true;
  if (!value.startsWith("https://") && !value.startsWith("http://")) return false;
  return URL.canParse(value);
}

class Check {
  readonly #terms: Terms;
  constructor(terms: Terms) {
    this.#terms = terms;
  }

  object(value: Record<string, unknown>, top: boolean): string | null {
    for (const [key, v] of Object.entries(value)) {
      const problem = this.#property(key, v, top);
      if (problem) return problem;
    }
    return null;
  }

  #property(key: string, value: unknown, top: boolean): string | null {
    if (key === "@context") return top ? null : "a nested @context";
    if (key === "id") return isIri(value) && !PUBLIC.has(value) ? null : "an id that is not an http(s) URL";
    if (key === "type") return this.#types(value);
    if (key.startsWith("@") || key.includes(":")) return `the key ${key}`;
    // JSON-LD drops a null value.
    if (value === null) return null;
    const kind = KINDS[key];
    if (kind) return this.#value(kind, value, RANGES[key]) ? null : `the value of ${key}`;
    if (AS_TERMS.has(key)) return `the ActivityStreams term ${key}`;
    const extension = this.#terms.defined.get(key);
    const alias = extension?.startsWith(AS_NS) ? KINDS[extension.slice(AS_NS.length)] : undefined;
    if (alias) return this.#value(alias, value, undefined) ? null : `the value of ${key}`;
    const known = EXTENSION_KINDS[key];
    if (known && known.iri === extension) return typeof value === known.kind ? null : `the value of ${key}`;
    if (extension !== undefined && isParsed(extension)) return `the term ${key}`;
    // Terms Fedify does not read (and keys no context defines, which JSON-LD
    // drops, though it expands their values first): plain values only.
    return plain(value) ? null : `the value of ${key}`;
  }

  #types(value: unknown): string | null {
    const types = Array.isArray(value) ? value : [value];
    if (types.length === 0) return "no type";
    for (const type of types) {
      if (typeof type !== "string") return "a type that is not a string";
      if (TYPES.has(type)) continue;
      const iri = EXTENSION_TYPES[type];
      if (iri === undefined || this.#terms.defined.get(type) !== iri) return `the type ${type}`;
    }
    return null;
  }

  #value(kind: Kind, value: unknown, range: ReadonlySet<string> | undefined): boolean {
    switch (kind) {
      case "iris":
        return (Array.isArray(value) ? value : [value]).every((item) => isIri(item)
          || (isRecord(item) && typeof item.type === "string" && (!range || range.has(item.type)) && this.object(item, false) === null));
      case "href":
        return isIri(value) && !PUBLIC.has(value);
      case "date":
        return typeof value === "string" && DATE_TIME.test(value) && !Number.isNaN(Date.parse(value));
      case "string":
        return typeof value === "string";
      case "strings":
        return (Array.isArray(value) ? value : [value]).every((item) => typeof item === "string");
      case "langmap":
        return isRecord(value) && Object.entries(value).every(([tag, text]) => LANGUAGE_TAG.test(tag) && typeof text === "string");
      case "count":
        return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
      case "source":
        return isRecord(value) && Object.entries(value).every(([k, v]) => (k === "content" || k === "mediaType") && typeof v === "string");
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function plain(value: unknown): boolean {
  const scalar = (v: unknown) => v === null || ["string", "number", "boolean"].includes(typeof v);
  return scalar(value) || (Array.isArray(value) && value.every(scalar));
}

/**
 * Null when `json` is a plain activity (above), with a string id, a type
 * and one actor named by URL; otherwise what makes it not so.
 */
export function plainActivityProblem(json: unknown): string | null {
  if (!isRecord(json)) return "not an object";
  const contexts = Array.isArray(json["@context"]) ? json["@context"] : [json["@context"]];
  // Anywhere in the list: a context before it has its terms of the same names redefined by it.
  if (!contexts.includes(AS)) return "no ActivityStreams context";
  const terms = newTerms();
  if (!addContexts(contexts.filter((context) => context !== AS), terms)) return "a context this check does not model";
  if (typeof json.id !== "string" || typeof json.actor !== "string") return "no id or actor";
  // As a URL reads them (an internationalised host is read in its ASCII form, say): the worker compares them so.
  if (!isIri(json.id) || !isIri(json.actor) || new URL(json.id).href !== json.id || new URL(json.actor).href !== json.actor) {
    return "an id or actor not written as a URL reads it";
  }
  if (typeof json.type !== "string" || !ACTIVITY_TYPES.has(json.type)) return "not an activity type this check knows";
  return new Check(terms).object(json, true);
}
