// How a community's resources and practice marks look on the wire: an
// `Article` (Markdown rendered to sanitised HTML, the Markdown kept as
// `source`) or a `Document` (a link), and the `Note` a Group publishes to
// mark someone else's post. Each carries Praxis terms (kind, version,
// practice status) that Fedify's vocabulary lacks, added to its JSON-LD
// after Fedify serialised it: short terms with an inline @context at the
// top level, full IRIs where the object is nested in an activity.
import type { Context } from "@fedify/fedify";
import {
  Article, Document, Hashtag, LanguageString, Link, Note, type Object as APObject, Source,
} from "@fedify/vocab";
import type { PracticeMarkRow, ResourceRow } from "../db/schema.ts";
import type { Community } from "../domain/community.ts";
import { isPracticeStatus, PRACTICE_HASHTAGS, type PracticeStatus } from "../domain/practice.ts";
import type { AppServices } from "../services.ts";
import { PRAXIS_NS } from "./group-extensions.ts";
import { communityAddressing } from "./outbound.ts";
import { escapeHtml } from "./text.ts";
import { instant } from "./time.ts";

type Ctx = Context<AppServices>;

export const ARTICLE_PATH = "/c/{identifier}/resources/{id}";
export const DOCUMENT_PATH = "/c/{identifier}/documents/{id}";
export const PRACTICE_NOTE_PATH = "/c/{identifier}/practice/{id}";
export const RESOURCES_COLLECTION_PATH = "/c/{identifier}/resources";

/** The Praxis terms, as short names with the inline context that defines them. */
export const RESOURCE_TERMS_CONTEXT = {
  praxis: PRAXIS_NS,
  resourceKind: "praxis:resourceKind",
  resourceVersion: "praxis:resourceVersion",
  practiceStatus: "praxis:practiceStatus",
  practiceNote: "praxis:practiceNote",
  practiceOf: { "@id": "praxis:practiceOf", "@type": "@id" },
} as const;

const ID_TERMS = new Set(["practiceOf"]);

type Terms = Record<string, string | number>;
type JsonLdOptions = Parameters<APObject["toJsonLd"]>[0];
type Json = Record<string, unknown>;

// Terms by object id, looked up while the object is serialised (Fedify
// clones objects with their constructor, so they cannot live on the instance).
const TERMS = new Map<string, Terms>();
const MAX_TERMS = 10_000;

function remember(id: URL | null, terms: Terms): void {
  if (!id) return;
  TERMS.delete(id.href);
  TERMS.set(id.href, terms);
  if (TERMS.size > MAX_TERMS) TERMS.delete(TERMS.keys().next().value!);
}

function addTerms(json: unknown, id: URL | null, options: JsonLdOptions): unknown {
  const terms = id ? TERMS.get(id.href) : undefined;
  if (!terms || json === null || typeof json !== "object") return json;
  if (options?.format === "expand") {
    for (const node of (Array.isArray(json) ? json : [json]) as Json[]) {
      for (const [k, v] of Object.entries(terms)) node[PRAXIS_NS + k] = [ID_TERMS.has(k) ? { "@id": String(v) } : { "@value": v }];
    }
    return json;
  }
  const o = json as Json;
  if ("@context" in o) {
    const context = o["@context"];
    const list = Array.isArray(context) ? context : context === undefined ? [] : [context];
    return { ...o, "@context": [...list, RESOURCE_TERMS_CONTEXT], ...terms };
  }
  // Nested in an activity, whose context does not define them: full IRIs.
  return { ...o, ...Object.fromEntries(Object.entries(terms).map(([k, v]) => [PRAXIS_NS + k, v])) };
}

export class ResourceArticle extends Article {
  static build(values: ConstructorParameters<typeof Article>[0], terms: Terms): ResourceArticle {
    const o = new ResourceArticle(values);
    remember(o.id, terms);
    return o;
  }
  override async toJsonLd(options?: JsonLdOptions): Promise<unknown> {
    return addTerms(await super.toJsonLd(options), this.id, options);
  }
}

export class ResourceDocument extends Document {
  static build(values: ConstructorParameters<typeof Document>[0], terms: Terms): ResourceDocument {
    const o = new ResourceDocument(values);
    remember(o.id, terms);
    return o;
  }
  override async toJsonLd(options?: JsonLdOptions): Promise<unknown> {
    return addTerms(await super.toJsonLd(options), this.id, options);
  }
}

export class PracticeNote extends Note {
  static build(values: ConstructorParameters<typeof Note>[0], terms: Terms): PracticeNote {
    const o = new PracticeNote(values);
    remember(o.id, terms);
    return o;
  }
  override async toJsonLd(options?: JsonLdOptions): Promise<unknown> {
    return addTerms(await super.toJsonLd(options), this.id, options);
  }
}

/** The resource's id: an Article's under /resources/, a Document's under /documents/. */
export function resourceUri(ctx: Ctx, slug: string, r: Pick<ResourceRow, "id" | "form">): URL {
  const values = { identifier: slug, id: r.id };
  return r.form === "article" ? ctx.getObjectUri(Article, values) : ctx.getObjectUri(Document, values);
}

export function practiceNoteUri(ctx: Ctx, slug: string, markId: string): URL {
  return ctx.getObjectUri(Note, { identifier: slug, id: markId });
}

/** Where the status's hashtag links: the community's list of practices with that status. */
function hashtagOf(ctx: Ctx, slug: string, status: PracticeStatus): Hashtag {
  const href = new URL(`/c/${slug}/practice?status=${status}`, ctx.data.config.origin);
  return new Hashtag({ name: `#${PRACTICE_HASHTAGS[status]}`, href });
}

function hashtagHtml(ctx: Ctx, slug: string, status: PracticeStatus): string {
  const tag = hashtagOf(ctx, slug, status);
  return `<a href="${escapeHtml(tag.href!.href)}" class="mention hashtag" rel="tag">#<span>${PRACTICE_HASHTAGS[status]}</span></a>`;
}

/** The resource as the fediverse sees it. */
export function resourceObject(ctx: Ctx, community: Community, r: ResourceRow): ResourceArticle | ResourceDocument {
  const id = resourceUri(ctx, community.slug, r);
  const group = ctx.getActorUri(community.slug);
  const status = isPracticeStatus(r.practice_status) ? r.practice_status : null;
  const terms: Terms = { resourceKind: r.kind, resourceVersion: r.version, ...(status ? { practiceStatus: status } : {}) };
  const statusHtml = status ? `<p>${hashtagHtml(ctx, community.slug, status)}</p>` : "";
  const common = {
    id,
    attribution: group,
    audience: group,
    name: r.title,
    published: instant(r.created_at),
    // Only edits count as updates; a resource never edited has none.
    updated: r.version > 1 || status ? instant(r.updated_at) : null,
    tags: status ? [hashtagOf(ctx, community.slug, status)] : [],
    ...communityAddressing(ctx, community),
  };
  if (r.form === "article") {
    const html = (r.html ?? "") + statusHtml;
    return ResourceArticle.build({
      ...common,
      contents: r.language ? [html, new LanguageString(html, r.language)] : [html],
      mediaType: "text/html",
      source: new Source({ content: r.source ?? "", mediaType: "text/markdown" }),
      url: id,
    }, terms);
  }
  const link = `<p><a href="${escapeHtml(r.url!)}" rel="nofollow noopener noreferrer">${escapeHtml(r.title)}</a></p>${statusHtml}`;
  return ResourceDocument.build({
    ...common,
    contents: r.language ? [link, new LanguageString(link, r.language)] : [link],
    url: new Link({ href: new URL(r.url!), mediaType: "text/html" }),
  }, terms);
}

const STATUS_WORDS: Record<PracticeStatus, string> = {
  proposed: "Proposed as a practice",
  evaluated: "Evaluated as a practice",
  "best-practice": "Marked as best practice",
};

/** The Note a Group publishes to mark a post by someone else. */
export function practiceNoteObject(ctx: Ctx, community: Community, mark: PracticeMarkRow): PracticeNote {
  const status = mark.status as PracticeStatus;
  const id = practiceNoteUri(ctx, community.slug, mark.id);
  const group = ctx.getActorUri(community.slug);
  const label = mark.title ?? mark.object_uri;
  const content = `<p>${STATUS_WORDS[status]}: <a href="${escapeHtml(mark.object_uri)}">${escapeHtml(label)}</a></p>`
    + (mark.note ? `<p>${escapeHtml(mark.note)}</p>` : "")
    + `<p>${hashtagHtml(ctx, community.slug, status)}</p>`;
  return PracticeNote.build({
    id,
    attribution: group,
    audience: group,
    content,
    url: id,
    published: instant(mark.created_at),
    updated: mark.updated_at !== mark.created_at ? instant(mark.updated_at) : null,
    tags: [hashtagOf(ctx, community.slug, status)],
    ...communityAddressing(ctx, community),
  }, { practiceStatus: status, practiceOf: mark.object_uri, ...(mark.note ? { practiceNote: mark.note } : {}) });
}

/**
 * A Praxis term read from an object's JSON-LD as its origin served it:
 * the short term (our context), the `praxis:` compact IRI, or the full IRI.
 */
export function praxisTerm(json: unknown, term: string): string | null {
  if (json === null || typeof json !== "object") return null;
  const o = json as Json;
  for (const key of [term, `praxis:${term}`, PRAXIS_NS + term]) {
    let v = o[key];
    if (Array.isArray(v)) v = v[0];
    if (v !== null && typeof v === "object") v = (v as Json)["@id"] ?? (v as Json)["@value"] ?? (v as Json).id;
    if (typeof v === "string" || typeof v === "number") return String(v);
  }
  return null;
}
