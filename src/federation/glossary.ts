// The glossary's vocabulary (FEDERATION.md, "Glossary"): each definition is
// an object `["Note", "DefinedTerm"]` at /c/{slug}/glossary/{id}, listed in
// the Group's `glossary` collection, and sent to the community's followers
// as Create, Update (a new version) and Delete (removed). The Note shape is
// what Mastodon shows (name, content); the Praxis and schema.org terms carry
// the term, definition, version, language and source for Praxis servers.
// Fedify's Note cannot carry these terms, so the activities add the object's
// full JSON after Fedify has serialised them (as GroupUpdate does).
import type { Context } from "@fedify/fedify";
import { Create, Delete, Note, Tombstone, Update } from "@fedify/vocab";
import type { GlossaryTermRow } from "../db/glossary-schema.ts";
import type { Community } from "../domain/community.ts";
import { termAnchor } from "../domain/glossary.ts";
import type { AppServices } from "../services.ts";
import { PRAXIS_NS } from "./group-extensions.ts";
import { claimId, communityAddressing, toFollowers } from "./outbound.ts";
import { escapeHtml } from "./text.ts";
import { now } from "./time.ts";

type Ctx = Context<AppServices>;
type Json = Record<string, unknown>;
type JsonLdOptions = Parameters<Create["toJsonLd"]>[0];

export const AS_CONTEXT_URL = "https://www.w3.org/ns/activitystreams";
export const SCHEMA_NS = "http://schema.org/";

/** The terms a glossary entry uses beyond ActivityStreams, as an inline context. */
export const GLOSSARY_CONTEXT = {
  praxis: PRAXIS_NS,
  schema: SCHEMA_NS,
  DefinedTerm: "schema:DefinedTerm",
  inLanguage: "schema:inLanguage",
  inDefinedTermSet: { "@id": "schema:inDefinedTermSet", "@type": "@id" },
  citation: { "@id": "schema:citation", "@type": "@id" },
  term: "praxis:term",
  definition: "praxis:definition",
  version: { "@id": "praxis:version", "@type": "http://www.w3.org/2001/XMLSchema#integer" },
  glossary: { "@id": "praxis:glossary", "@type": "@id" },
} as const;

export const ENTRY_TYPES = ["Note", "DefinedTerm"] as const;

/** Where a community serves its glossary, and one definition. */
export function glossaryUri(origin: string, slug: string): string {
  return new URL(`/c/${slug}/glossary`, origin).href;
}

export function entryUri(origin: string, slug: string, termId: string): string {
  return new URL(`/c/${slug}/glossary/${termId}`, origin).href;
}

/** The path of a definition's id, whatever the origin: the object ids Praxis mints. */
export const ENTRY_PATH = /^\/c\/([^/]+)\/glossary\/([^/]+)$/;

/** What Mastodon shows: the term in bold, then the definition (and its source). */
export function entryContent(term: string, definition: string, source: string | null): string {
  const paragraphs = definition.split(/\n{2,}/).map((p) => escapeHtml(p).replace(/\n/g, "<br>"));
  const first = `<p><b>${escapeHtml(term)}</b>: ${paragraphs[0]}</p>`;
  const rest = paragraphs.slice(1).map((p) => `<p>${p}</p>`).join("");
  const cite = source ? `<p><a href="${escapeHtml(source)}" rel="nofollow noopener noreferrer">${escapeHtml(source)}</a></p>` : "";
  return first + rest + cite;
}

function addressingJson(origin: string, community: Community): { to: string[]; cc: string[] } {
  const followers = new URL(`/c/${community.slug}/followers`, origin).href;
  return community.closed
    ? { to: [followers], cc: [] }
    : { to: ["https://www.w3.org/ns/activitystreams#Public"], cc: [followers] };
}

/** A definition as JSON-LD, without @context (see withContext). */
export function entryObject(origin: string, community: Community, row: GlossaryTermRow): Json {
  const group = new URL(`/c/${community.slug}`, origin).href;
  const content = entryContent(row.term, row.definition, row.source);
  return {
    id: entryUri(origin, community.slug, row.id),
    type: [...ENTRY_TYPES],
    attributedTo: group,
    name: row.term,
    content,
    contentMap: { [row.language]: content },
    mediaType: "text/html",
    term: row.term,
    definition: row.definition,
    version: row.version,
    inLanguage: row.language,
    ...(row.source ? { citation: row.source } : {}),
    url: `${glossaryUri(origin, community.slug)}#${termAnchor(row.term_key, row.language)}`,
    inDefinedTermSet: glossaryUri(origin, community.slug),
    published: row.created_at,
    updated: row.updated_at,
    ...addressingJson(origin, community),
  };
}

export function withContext(json: Json): Json {
  return { "@context": [AS_CONTEXT_URL, GLOSSARY_CONTEXT], ...json };
}

/** The Group's `glossary` collection: every definition, embedded. */
export function glossaryCollection(origin: string, community: Community, rows: readonly GlossaryTermRow[]): Json {
  return withContext({
    id: glossaryUri(origin, community.slug),
    type: "OrderedCollection",
    attributedTo: new URL(`/c/${community.slug}`, origin).href,
    totalItems: rows.length,
    orderedItems: rows.map((r) => entryObject(origin, community, r)),
  });
}

// The full JSON of the object an activity carries, looked up by the
// activity's id while Fedify serialises it (sendActivity serialises before
// queueing; the entry is short-lived).
const carried = new Map<string, Json>();

function addContext(json: Json): Json {
  const context = json["@context"];
  const list = Array.isArray(context) ? context : context === undefined ? [] : [context];
  return { ...json, "@context": [...list, GLOSSARY_CONTEXT] };
}

async function carry(json: unknown, id: URL | null, options: JsonLdOptions): Promise<unknown> {
  const object = id ? carried.get(id.href) : undefined;
  if (!object || options?.format === "expand" || json === null || typeof json !== "object") return json;
  return addContext({ ...(json as Json), object });
}

/** Create of a definition, carrying its Praxis terms. */
export class GlossaryCreate extends Create {
  override async toJsonLd(options?: JsonLdOptions): Promise<unknown> {
    return carry(await super.toJsonLd(options), this.id, options);
  }
}

/** Update of a definition (a new version), carrying its Praxis terms. */
export class GlossaryUpdate extends Update {
  override async toJsonLd(options?: JsonLdOptions): Promise<unknown> {
    return carry(await super.toJsonLd(options), this.id, options);
  }
}

/** Tells the community's followers about version `row.version` of a definition: Create for the first, Update after. */
export async function sendDefinition(ctx: Ctx, community: Community, row: GlossaryTermRow): Promise<void> {
  const origin = ctx.data.config.origin;
  const object = entryObject(origin, community, row);
  const objectId = new URL(object.id as string);
  const first = row.version === 1;
  const id = await claimId(ctx, community, `${objectId.href}#v${row.version}`, first ? "glossary-create" : "glossary-update");
  const addressing = communityAddressing(ctx, community);
  const note = new Note({
    id: objectId,
    attribution: ctx.getActorUri(community.slug),
    name: row.term,
    content: object.content as string,
    ...addressing,
  });
  const values = { id, actor: ctx.getActorUri(community.slug), object: note, published: now(), ...addressing };
  const activity = first ? new GlossaryCreate(values) : new GlossaryUpdate({ ...values, updated: now() });
  carried.set(id.href, object);
  try {
    await toFollowers(ctx, community, activity, objectId.href);
  } finally {
    carried.delete(id.href);
  }
}

/** Tells the community's followers a definition was removed. */
export async function sendDefinitionRemoved(ctx: Ctx, community: Community, row: GlossaryTermRow): Promise<void> {
  const objectId = new URL(entryUri(ctx.data.config.origin, community.slug, row.id));
  const id = await claimId(ctx, community, `${objectId.href}#delete`, "glossary-delete");
  const del = new Delete({
    id,
    actor: ctx.getActorUri(community.slug),
    object: new Tombstone({ id: objectId }),
    published: now(),
    ...communityAddressing(ctx, community),
  });
  await toFollowers(ctx, community, del, objectId.href);
}
