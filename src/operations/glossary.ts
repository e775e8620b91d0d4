// The shared glossary, for the CLI, the admin API and the console: define a
// term (a new version when it exists), list a community's definitions with
// those it inherits, read a term's versions, remove a term. Changes are sent
// to the community's followers (src/federation/glossary.ts).
import { retryOnConflict } from "../db/conflicts.ts";
import type { GlossaryTermRow } from "../db/glossary-schema.ts";
import { type Community, ValidationError } from "../domain/community.ts";
import {
  decideDefine, defaultGlossaryLanguage, type GlossaryEntry, type ListedEntry, MAX_TERMS, mergeGlossary, parseGlossaryLanguage,
  validateDefinition, validateSource, validateTerm,
} from "../domain/glossary.ts";
import { entryUri, sendDefinition, sendDefinitionRemoved } from "../federation/glossary.ts";
import { inheritedGlossary, keptInheritedGlossary } from "../federation/glossary-inheritance.ts";
import { cliActor } from "./audit.ts";
import { contextOf, getCommunity, NotFoundError, type Operations } from "./communities.ts";

export interface DefineInput {
  definition: unknown;
  language?: unknown;
  source?: unknown;
}

/**
 * A definition as the CLI (--json) and the admin API give it: the listed
 * entry's fields, copied one by one by `view` so nothing else leaks out.
 */
export type TermView = ListedEntry;

export interface VersionView {
  term: string;
  language: string;
  version: number;
  definition: string;
  source: string | null;
  createdAt: string;
}

function handleOf(ops: Operations, community: Community): string {
  return `@${community.slug}@${new URL(ops.services.config.origin).host}`;
}

function ownEntry(ops: Operations, community: Community, row: GlossaryTermRow): GlossaryEntry {
  const origin = ops.services.config.origin;
  return {
    id: entryUri(origin, community.slug, row.id), term: row.term, key: row.term_key, definition: row.definition,
    language: row.language, version: row.version, source: row.source,
    community: new URL(`/c/${community.slug}`, origin).href, communityName: community.name, communityHandle: handleOf(ops, community),
    distance: 0, updatedAt: row.updated_at,
  };
}

function view(e: ListedEntry): TermView {
  return {
    id: e.id, term: e.term, key: e.key, definition: e.definition, language: e.language, version: e.version, source: e.source,
    community: e.community, communityName: e.communityName, communityHandle: e.communityHandle,
    inherited: e.inherited, distance: e.distance, refines: e.refines, refined: e.refined, updatedAt: e.updatedAt,
  };
}

/** Defines a term, or makes a new version of its definition; federates Create or Update. */
export async function defineTerm(
  ops: Operations, slug: string, rawTerm: unknown, input: DefineInput, by: string = cliActor(),
): Promise<{ entry: TermView; changed: boolean }> {
  const community = await getCommunity(ops, slug);
  const { term, key } = validateTerm(rawTerm);
  const definition = validateDefinition(input.definition);
  const language = input.language === undefined || input.language === null || input.language === ""
    ? defaultGlossaryLanguage(community.languages) : parseGlossaryLanguage(input.language);
  const source = validateSource(input.source);
  const { repos } = ops.services;
  // Two people defining the same term at once: the second is decided again over the first's version.
  const written = await retryOnConflict(async () => {
    const current = await repos.glossary.find(community.id, key, language);
    const decision = decideDefine(current, { term, definition, source });
    if (decision.action === "unchanged") return { current: current!, decision, row: null };
    if (!current && await repos.glossary.count(community.id) >= MAX_TERMS) {
      throw new ValidationError("term", `the glossary already holds ${MAX_TERMS} terms, the most a community may define`);
    }
    const row = await repos.glossary.write({ communityId: community.id, key, term, language, definition, source }, decision.version, current?.id ?? null);
    return { current, decision, row };
  });
  const { decision, row } = written;
  if (row === null) return { entry: view(mergeGlossary([ownEntry(ops, community, written.current!)], [])[0]), changed: false };
  await repos.audit.record({
    actor: by, action: decision.action === "create" ? "glossary.define" : "glossary.revise", communityId: community.id,
    target: `${term} (${language})`, details: { version: row.version },
  });
  await sendDefinition(contextOf(ops), community, row);
  return { entry: view(mergeGlossary([ownEntry(ops, community, row)], [])[0]), changed: true };
}

/** The community's own definitions, without its ancestors'. */
export async function ownTerms(ops: Operations, community: Community): Promise<GlossaryEntry[]> {
  return (await ops.services.repos.glossary.list(community.id)).map((r) => ownEntry(ops, community, r));
}

/**
 * The community's glossary: its own definitions and its ancestors' (read
 * again when the kept copy is older than glossary.cacheSeconds), merged.
 */
export async function listTerms(ops: Operations, slug: string, options: { language?: unknown } = {}): Promise<TermView[]> {
  const community = await getCommunity(ops, slug);
  return listTermsOf(ops, community, options);
}

/**
 * `wait: false` (pages): the inherited definitions as kept, refreshed after
 * the response when stale, so that a reader never waits on another server.
 */
export async function listTermsOf(ops: Operations, community: Community, options: { language?: unknown; wait?: boolean } = {}): Promise<TermView[]> {
  const language = options.language === undefined || options.language === "" ? undefined : parseGlossaryLanguage(options.language);
  const ctx = contextOf(ops);
  const inherited = options.wait === false ? (await keptInheritedGlossary(ctx, community))?.entries ?? [] : (await inheritedGlossary(ctx, community)).entries;
  return mergeGlossary(await ownTerms(ops, community), inherited, language).map(view);
}

async function termRows(ops: Operations, community: Community, rawTerm: unknown, language: unknown): Promise<GlossaryTermRow[]> {
  const { key, term } = validateTerm(rawTerm);
  const lang = language === undefined || language === null || language === "" ? undefined : parseGlossaryLanguage(language);
  const rows = (await ops.services.repos.glossary.findAll(community.id, key)).filter((r) => lang === undefined || r.language === lang);
  if (rows.length === 0) throw new NotFoundError(`No term "${term}"${lang ? ` in ${lang}` : ""} in ${community.slug}'s glossary`);
  return rows;
}

/** Every version of a term's definitions (each language's), oldest first. */
export async function termHistory(ops: Operations, slug: string, rawTerm: unknown, options: { language?: unknown } = {}): Promise<VersionView[]> {
  const community = await getCommunity(ops, slug);
  const out: VersionView[] = [];
  for (const row of await termRows(ops, community, rawTerm, options.language)) {
    for (const v of await ops.services.repos.glossary.versions(row.id)) {
      out.push({ term: v.term, language: row.language, version: v.version, definition: v.definition, source: v.source, createdAt: v.created_at });
    }
  }
  return out;
}

/** Removes a term (every language, unless one is given); federates Delete. Returns how many definitions went. */
export async function removeTerm(ops: Operations, slug: string, rawTerm: unknown, options: { language?: unknown } = {}, by: string = cliActor()): Promise<number> {
  const community = await getCommunity(ops, slug);
  const rows = await termRows(ops, community, rawTerm, options.language);
  for (const row of rows) {
    await ops.services.repos.glossary.remove(row.id);
    await ops.services.repos.audit.record({ actor: by, action: "glossary.remove", communityId: community.id, target: `${row.term} (${row.language})` });
    await sendDefinitionRemoved(contextOf(ops), community, row);
  }
  return rows.length;
}
