// A community inherits the definitions of every verified ancestor in the
// fractal network, on any server: each ancestor's `glossary` collection is
// read from the ancestor's own origin (signed by the inheriting community,
// within the outbound time and size limits), so an entry is always
// attributed to the community that serves it and nobody can speak for a
// grandparent. What was read is kept (glossary_inherited) for
// `glossary.cacheSeconds`; a definition change pushed by an ancestor along a
// followed link makes the communities inheriting from it read it again at
// once. A closed ancestor's definitions reach closed descendants only (the
// network's mayFlow rule), and only if it lets them read its glossary.
import type { Context } from "@fedify/fedify";
import type { DocumentLoader } from "@fedify/vocab";
import { getLogger } from "@logtape/logtape";
import type { InheritedGlossary } from "../db/repositories/glossary.ts";
import { SingleFlight } from "../db/single-flight.ts";
import type { Community } from "../domain/community.ts";
import {
  type GlossaryEntry, MAX_DEFINITION_LENGTH, MAX_SOURCE_LENGTH, MAX_TERM_LENGTH, MAX_TERMS, normalizeTermText, termKey,
} from "../domain/glossary.ts";
import { mayFlow } from "../domain/network.ts";
import type { AppServices } from "../services.ts";
import { remoteTextOf } from "../web/sanitize.ts";
import { entryUri } from "./glossary.ts";
import { NetworkReader } from "./network-reader.ts";
import { publicOrigin } from "./origin.ts";
import { first, idOf as idValue, praxisValue, textOf as textValue } from "./json-values.ts";

const logger = getLogger(["praxis", "federation", "glossary"]);

type Ctx = Context<AppServices>;
type Json = Record<string, any>;

const SCHEMA_PREFIXES = ["schema:", "http://schema.org/", "https://schema.org/"];
const LANGUAGE_TAG = /^[a-z]{2,3}(?:-[a-z0-9]{1,8})*$/i;

/** An id, or the first of several. */
const idOf = (v: unknown): string | null => idValue(first(v));

/** A text, or a number as text (a version may come as either). */
function textOf(v: unknown): string | null {
  const f = first(v);
  return typeof f === "number" ? String(f) : textValue(f);
}

function schema(doc: Json, term: string): unknown {
  return doc[term] ?? SCHEMA_PREFIXES.map((p) => doc[`${p}${term}`]).find((v) => v !== undefined);
}

function sameOrigin(url: string | null, origin: string): string | null {
  try {
    return url && new URL(url).origin === origin ? new URL(url).href : null;
  } catch {
    return null;
  }
}

/**
 * Remote text that may hold HTML, as plain text: tags removed by the pages'
 * sanitiser (with what a script or style holds), paragraphs and breaks kept
 * as line breaks, entities decoded (pages escape the text again).
 */
export function remotePlainText(dirty: string): string {
  const withBreaks = dirty.replace(/<br\s*\/?>/gi, "\n").replace(/<\/p>\s*<p[^>]*>/gi, "\n\n");
  const stripped = remoteTextOf(withBreaks).value;
  return stripped
    .replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, "\"").replace(/&#39;/g, "'").replace(/&amp;/g, "&")
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, "")
    .trim();
}

function clip(s: string, max: number): string {
  const chars = [...s];
  return chars.length > max ? `${chars.slice(0, max - 1).join("")}…` : s;
}

export interface AncestorInfo {
  uri: string;
  name: string | null;
  handle: string | null;
  distance: number;
}

/**
 * One definition read from an ancestor's collection, or null if it is not
 * one: it must be the ancestor's own (same origin, attributed to it).
 */
export function parseRemoteEntry(item: unknown, ancestor: AncestorInfo): GlossaryEntry | null {
  if (!item || typeof item !== "object" || Array.isArray(item)) return null;
  const o = item as Json;
  const origin = new URL(ancestor.uri).origin;
  const id = sameOrigin(typeof o.id === "string" ? o.id : null, origin);
  if (!id) return null;
  const attributedTo = idOf(o.attributedTo);
  if (attributedTo !== null && attributedTo !== ancestor.uri) return null;
  const rawTerm = textOf(praxisValue(o, "term")) ?? textOf(o.name);
  if (!rawTerm) return null;
  const term = clip(normalizeTermText(remotePlainText(rawTerm)), MAX_TERM_LENGTH);
  const rawDefinition = textOf(praxisValue(o, "definition"));
  const definition = clip(remotePlainText(rawDefinition ?? textOf(o.content) ?? ""), MAX_DEFINITION_LENGTH);
  if (!term || !definition) return null;
  const contentMap = o.contentMap && typeof o.contentMap === "object" ? Object.keys(o.contentMap) : [];
  const language = [textOf(schema(o, "inLanguage")), contentMap[0]].find((l): l is string => typeof l === "string" && LANGUAGE_TAG.test(l))
    ?.toLowerCase() ?? "und";
  const rawVersion = Number(textOf(praxisValue(o, "version")));
  const version = Number.isInteger(rawVersion) && rawVersion >= 1 ? rawVersion : 1;
  let source: string | null = idOf(schema(o, "citation"));
  try {
    source = source && source.length <= MAX_SOURCE_LENGTH && /^https?:$/.test(new URL(source).protocol) ? new URL(source).href : null;
  } catch {
    source = null;
  }
  const updated = textOf(o.updated) ?? textOf(o.published);
  return {
    id, term, key: termKey(term), definition, language, version, source,
    community: ancestor.uri, communityName: ancestor.name, communityHandle: ancestor.handle,
    distance: ancestor.distance, updatedAt: updated && !Number.isNaN(Date.parse(updated)) ? new Date(updated).toISOString() : null,
  };
}

/** A local community's own entries, as its descendants see them. */
export async function localEntries(ctx: Ctx, community: Community, ancestor: AncestorInfo): Promise<GlossaryEntry[]> {
  const origin = publicOrigin(ctx);
  return (await ctx.data.repos.glossary.list(community.id)).map((row) => ({
    id: entryUri(origin, community.slug, row.id), term: row.term, key: row.term_key, definition: row.definition,
    language: row.language, version: row.version, source: row.source, community: ancestor.uri,
    communityName: ancestor.name ?? community.name, communityHandle: ancestor.handle, distance: ancestor.distance, updatedAt: row.updated_at,
  }));
}

/** A refusal that means "nothing for you here" (not a failure to reach the ancestor). */
function isRefusal(error: unknown): boolean {
  const status = (error as { response?: Response })?.response?.status
    ?? Number(/^HTTP (\d{3})\b/.exec((error as Error)?.message ?? "")?.[1] ?? NaN);
  return [401, 403, 404, 410].includes(status);
}

/** Reads an ancestor's glossary collection from its origin; null if it could not be reached. */
async function remoteEntries(load: DocumentLoader, ancestor: AncestorInfo): Promise<GlossaryEntry[] | null> {
  const origin = new URL(ancestor.uri).origin;
  try {
    const group = (await load(ancestor.uri)).document as Json;
    if (!group || idOf(group) !== ancestor.uri) return [];
    const collectionId = sameOrigin(idOf(praxisValue(group, "glossary")), origin);
    if (!collectionId) return []; // it publishes no glossary
    const out: GlossaryEntry[] = [];
    const seen = new Set<string>([collectionId]);
    let page: Json | null = (await load(collectionId)).document as Json;
    while (page && out.length < MAX_TERMS) {
      const items = page.orderedItems ?? page.items ?? [];
      for (const item of Array.isArray(items) ? items : [items]) {
        const entry = parseRemoteEntry(item, ancestor);
        if (entry && out.length < MAX_TERMS) out.push(entry);
      }
      const firstPage: Json | string | undefined = page.first;
      if (firstPage && typeof firstPage === "object" && (firstPage.orderedItems || firstPage.items) && !seen.has(idOf(firstPage) ?? "")) {
        seen.add(idOf(firstPage) ?? "");
        page = firstPage;
        continue;
      }
      const next = sameOrigin(idOf(page.first) ?? idOf(page.next), origin);
      if (!next || seen.has(next)) break;
      seen.add(next);
      page = (await load(next)).document as Json;
    }
    return out;
  } catch (error) {
    if (isRefusal(error)) {
      logger.info("{ancestor} does not let us read its glossary: {error}", { ancestor: ancestor.uri, error: (error as Error).message });
      return [];
    }
    logger.info("Could not read the glossary of {ancestor}: {error}", { ancestor: ancestor.uri, error: (error as Error).message });
    return null;
  }
}

/**
 * Every verified ancestor of the community with its distance (the shortest
 * chain of verified links), nearest first, up to the network's depth cap.
 */
export async function verifiedAncestors(reader: NetworkReader, uri: string, maxDepth: number): Promise<Map<string, number>> {
  const distance = new Map<string, number>();
  const seen = new Set([uri]);
  let frontier = [uri];
  for (let d = 1; d <= maxDepth && frontier.length > 0; d++) {
    const next: string[] = [];
    for (const u of frontier) {
      for (const p of await reader.verifiedParents(u)) {
        if (seen.has(p)) continue;
        seen.add(p);
        distance.set(p, d);
        next.push(p);
      }
    }
    frontier = next;
  }
  return distance;
}

/**
 * One ancestor's definitions as the community may inherit them: none from
 * a closed ancestor into an open community; null if it could not be reached.
 */
async function readAncestor(ctx: Ctx, community: Community, reader: NetworkReader, uri: string, distance: number,
  loader: () => Promise<DocumentLoader>): Promise<GlossaryEntry[] | null> {
  const node = await reader.node(uri);
  if (!node) return null;
  // A closed community's definitions never reach a public one.
  if (!mayFlow({ closed: node.closed }, { closed: community.closed })) return [];
  const info: AncestorInfo = { uri, name: node.name, handle: node.handle, distance };
  const local = await reader.localCommunity(uri);
  return local ? localEntries(ctx, local, info) : remoteEntries(await loader(), info);
}

/** Reads every ancestor's glossary; an ancestor that cannot be reached keeps what was read from it before. */
export async function fetchInherited(ctx: Ctx, community: Community, previous: InheritedGlossary | null): Promise<InheritedGlossary> {
  const reader = new NetworkReader(ctx, community.slug);
  const us = ctx.getActorUri(community.slug).href;
  const ancestors = await verifiedAncestors(reader, us, ctx.data.config.network.maxDepth);
  let loader: Promise<DocumentLoader> | null = null;
  const load = () => loader ??= ctx.getDocumentLoader({ identifier: community.slug });
  const entries: GlossaryEntry[] = [];
  for (const [uri, distance] of ancestors) {
    const got = await readAncestor(ctx, community, reader, uri, distance, load)
      ?? (previous?.entries ?? []).filter((e) => e.community === uri).map((e) => ({ ...e, distance }));
    entries.push(...got);
  }
  return {
    ancestors: [...ancestors].map(([uri, distance]) => ({ uri, distance })),
    entries, fetchedAt: new Date().toISOString(),
  };
}

/**
 * One ancestor announced a change: reads its glossary again, keeping what
 * was read from the others (so that an ancestor's pushes cost requests to
 * itself only). A community that has not read its ancestors yet reads them all.
 */
async function refreshAncestor(ctx: Ctx, community: Community, ancestorUri: string): Promise<void> {
  const { repos } = ctx.data;
  const kept = await repos.glossary.inherited(community.id);
  const ancestor = kept?.ancestors.find((a) => a.uri === ancestorUri);
  if (!kept || !ancestor) {
    await inheritedGlossary(ctx, community, { force: true });
    return;
  }
  const reader = new NetworkReader(ctx, community.slug);
  const got = await readAncestor(ctx, community, reader, ancestorUri, ancestor.distance,
    () => ctx.getDocumentLoader({ identifier: community.slug }));
  if (got === null) return; // unreachable now: keep what was read
  const now = await repos.glossary.inherited(community.id) ?? kept;
  await repos.glossary.putInherited(community.id, {
    ...now, entries: [...now.entries.filter((e) => e.community !== ancestorUri), ...got],
  });
}

/** In-flight refreshes per community, so that concurrent readers share one. */
const refreshing = new SingleFlight<string, InheritedGlossary>();
const refreshKey = (origin: string, community: Community) => `${origin}\n${community.id}`;

/**
 * The definitions the community inherits: as kept, while fresh; else read
 * again from the ancestors (`force`: whatever their age). A failed read
 * keeps what was kept.
 */
export async function inheritedGlossary(ctx: Ctx, community: Community, options: { force?: boolean } = {}): Promise<InheritedGlossary> {
  const { repos, config } = ctx.data;
  const kept = await repos.glossary.inherited(community.id);
  const age = kept ? Date.now() - Date.parse(kept.fetchedAt) : Number.POSITIVE_INFINITY;
  if (kept && !options.force && age < config.glossary.cacheSeconds * 1000) return kept;
  return refreshing.run(refreshKey(config.origin, community), async () => {
    try {
      const fresh = await fetchInherited(ctx, community, kept);
      await repos.glossary.putInherited(community.id, fresh);
      return fresh;
    } catch (error) {
      logger.warn("Could not refresh the glossary {community} inherits: {error}", { community: community.slug, error: (error as Error).message });
      return kept ?? { ancestors: [], entries: [], fetchedAt: new Date(0).toISOString() };
    }
  });
}

/**
 * For pages, which never wait on remote servers: the definitions as kept,
 * and, when they are stale, a refresh started after the response (for the
 * next view).
 */
export async function keptInheritedGlossary(ctx: Ctx, community: Community): Promise<InheritedGlossary | null> {
  const { repos, config } = ctx.data;
  const kept = await repos.glossary.inherited(community.id);
  const age = kept ? Date.now() - Date.parse(kept.fetchedAt) : Number.POSITIVE_INFINITY;
  if (age >= config.glossary.cacheSeconds * 1000 && !refreshing.has(refreshKey(config.origin, community))) {
    setImmediate(() => {
      inheritedGlossary(ctx, community).catch((error) =>
        logger.warn("Could not refresh the glossary {community} inherits: {error}", { community: community.slug, error: (error as Error).message }));
    });
  }
  return kept;
}

/**
 * An ancestor announced a definition change: the local communities that
 * inherit from it read their ancestors again now. Nothing in the activity
 * is trusted beyond who sent it; what counts is read from the origin.
 */
export async function ancestorGlossaryChanged(ctx: Ctx, ancestorUri: string): Promise<number> {
  const { repos } = ctx.data;
  const ids = new Set(await repos.glossary.inheritingFrom(ancestorUri));
  // A direct child that has not read its glossary yet learns of it too.
  for (const link of await repos.links.withPeer(ancestorUri)) {
    if (link.relation === "parent" && link.status === "active") ids.add(link.community_id);
  }
  let n = 0;
  for (const id of ids) {
    const community = await repos.communities.findById(id);
    if (!community || community.deletedAt) continue;
    await refreshAncestor(ctx, community, ancestorUri);
    n++;
  }
  return n;
}
