// Rules of the shared glossary: what makes two spellings one term, what a
// definition may be, how versions follow each other, and how a community's
// own definitions merge with those it inherits from its ancestors in the
// fractal network. Pure functions; no HTTP, SQL or Fedify.
import { ValidationError } from "./community.ts";

/** Languages a definition may be written in here (the pages' languages). */
export const GLOSSARY_LANGUAGES = ["en", "fr"] as const;
export type GlossaryLanguage = (typeof GLOSSARY_LANGUAGES)[number];

export const MAX_TERM_LENGTH = 200;
export const MAX_DEFINITION_LENGTH = 5000;
export const MAX_SOURCE_LENGTH = 2048;
/** Most terms one community may define (and most read from one ancestor). */
export const MAX_TERMS = 2000;

/** One definition as a community shows it: its own, or inherited. */
export interface GlossaryEntry {
  /** The definition's ActivityPub id. */
  id: string;
  /** The term as written (NFC, single spaces). */
  term: string;
  /** The normalised term: entries with the same key and language are one term. */
  key: string;
  /** Plain text. */
  definition: string;
  /** A BCP 47 tag ("en", "fr"; inherited entries may carry others). */
  language: string;
  version: number;
  /** Where the definition comes from (an http(s) URL), if given. */
  source: string | null;
  /** The Group URI of the community that defined it. */
  community: string;
  /** That community's name and handle, for display. */
  communityName: string | null;
  communityHandle: string | null;
  /** 0: the community's own; 1: its parent's; 2: a grandparent's… */
  distance: number;
  updatedAt: string | null;
}

/** An entry as listed: inherited or not, and how it relates to the others of its term. */
export interface ListedEntry extends GlossaryEntry {
  inherited: boolean;
  /** A local entry that refines one or more inherited definitions of the same term. */
  refines: boolean;
  /** An inherited entry the community (or a nearer ancestor) has refined. */
  refined: boolean;
}

/**
 * The text of a term as stored and shown: Unicode NFC, every run of white
 * space (any kind) made one space, trimmed.
 */
export function normalizeTermText(term: string): string {
  return term.normalize("NFC").replace(/\s+/gu, " ").trim();
}

/**
 * The key that makes two spellings one term: the normalised text, lower
 * case (locale-independent), NFC again (lower-casing may decompose).
 * "Best  Practice" and "best practice" are the same term.
 */
export function termKey(term: string): string {
  return normalizeTermText(term).toLowerCase().normalize("NFC");
}

function hasControlCharacters(s: string): boolean {
  // Tabs and newlines are fine in a definition; other control characters are not.
  return /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s);
}

export function validateTerm(raw: unknown): { term: string; key: string } {
  if (typeof raw !== "string") throw new ValidationError("term", "expected text");
  const term = normalizeTermText(raw);
  if (term === "") throw new ValidationError("term", "must not be empty");
  if ([...term].length > MAX_TERM_LENGTH) throw new ValidationError("term", `at most ${MAX_TERM_LENGTH} characters`);
  if (hasControlCharacters(term)) throw new ValidationError("term", "must not contain control characters");
  return { term, key: termKey(term) };
}

/** A definition is plain text: NFC, trimmed, not empty, bounded. */
export function validateDefinition(raw: unknown): string {
  if (typeof raw !== "string") throw new ValidationError("definition", "expected text");
  const definition = raw.normalize("NFC").replace(/\r\n?/g, "\n").trim();
  if (definition === "") throw new ValidationError("definition", "must not be empty");
  if ([...definition].length > MAX_DEFINITION_LENGTH) {
    throw new ValidationError("definition", `at most ${MAX_DEFINITION_LENGTH} characters`);
  }
  if (hasControlCharacters(definition)) throw new ValidationError("definition", "must not contain control characters");
  return definition;
}

export function parseGlossaryLanguage(raw: unknown): GlossaryLanguage {
  const value = typeof raw === "string" ? raw.trim().toLowerCase() : raw;
  if (!GLOSSARY_LANGUAGES.includes(value as GlossaryLanguage)) {
    throw new ValidationError("language", `expected one of ${GLOSSARY_LANGUAGES.join(", ")}, got "${String(raw)}"`);
  }
  return value as GlossaryLanguage;
}

/** The language a definition gets when none is given: the community's first page language, else English. */
export function defaultGlossaryLanguage(communityLanguages: readonly string[]): GlossaryLanguage {
  const first = communityLanguages.map((l) => l.toLowerCase().split("-")[0]).find((l) => GLOSSARY_LANGUAGES.includes(l as GlossaryLanguage));
  return (first as GlossaryLanguage | undefined) ?? "en";
}

/** An absolute http(s) URL without credentials, or null when none is given. */
export function validateSource(raw: unknown): string | null {
  if (raw === undefined || raw === null || raw === "") return null;
  if (typeof raw !== "string") throw new ValidationError("source", "expected a URL");
  const value = raw.trim();
  if (value.length > MAX_SOURCE_LENGTH) throw new ValidationError("source", `at most ${MAX_SOURCE_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ValidationError("source", `"${value}" is not a valid URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new ValidationError("source", "must be an http or https URL");
  if (url.username || url.password) throw new ValidationError("source", "must not contain credentials");
  return url.href;
}

/** What defining a term does to its versions. */
export type DefineDecision =
  | { action: "create"; version: 1 }
  | { action: "update"; version: number }
  | { action: "unchanged"; version: number };

/**
 * Defining a term that exists makes a new version, unless nothing
 * (definition, source, spelling) changed: then nothing is sent again.
 */
export function decideDefine(
  current: { version: number; term: string; definition: string; source: string | null } | null,
  next: { term: string; definition: string; source: string | null },
): DefineDecision {
  if (!current) return { action: "create", version: 1 };
  if (current.definition === next.definition && current.source === next.source && current.term === next.term) {
    return { action: "unchanged", version: current.version };
  }
  return { action: "update", version: current.version + 1 };
}

/**
 * Whether an entry read from an ancestor replaces the one held: a newer
 * version of the same definition, or any other definition.
 */
export function supersedes(held: Pick<GlossaryEntry, "id" | "version"> | undefined, incoming: Pick<GlossaryEntry, "id" | "version">): boolean {
  return !held || held.id !== incoming.id || incoming.version >= held.version;
}

/**
 * A community's glossary: its own entries and those it inherits, one list
 * sorted by term (then language); within a term, the community's own
 * definition first, then its ancestors' from the nearest up. An inherited
 * entry reached along two paths is listed once, at its nearest distance.
 * Each entry keeps the community it comes from.
 */
export function mergeGlossary(local: readonly GlossaryEntry[], inherited: readonly GlossaryEntry[], language?: string): ListedEntry[] {
  const byId = new Map<string, GlossaryEntry>();
  const localIds = new Set(local.map((e) => e.id));
  for (const e of inherited) {
    if (localIds.has(e.id)) continue; // our own, come back around
    const held = byId.get(e.id);
    if (!held || e.distance < held.distance || (e.distance === held.distance && e.version > held.version)) byId.set(e.id, e);
  }
  const all: ListedEntry[] = [
    ...local.map((e) => ({ ...e, distance: 0, inherited: false, refines: false, refined: false })),
    ...[...byId.values()].map((e) => ({ ...e, distance: Math.max(1, e.distance), inherited: true, refines: false, refined: false })),
  ].filter((e) => language === undefined || e.language === language);
  const groups = new Map<string, ListedEntry[]>();
  for (const e of all) {
    const k = `${e.key}\u0000${e.language}`;
    groups.get(k)?.push(e) ?? groups.set(k, [e]);
  }
  for (const group of groups.values()) {
    const nearest = Math.min(...group.map((e) => e.distance));
    for (const e of group) {
      e.refines = e.distance === nearest && group.some((o) => o.distance > e.distance);
      e.refined = e.distance > nearest;
    }
  }
  return all.sort((a, b) =>
    compare(a.key, b.key) || compare(a.language, b.language) || a.distance - b.distance || compare(a.community, b.community) || compare(a.id, b.id));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The fragment a term gets on the glossary page (stable across versions). */
export function termAnchor(key: string, language: string): string {
  const slug = key.replace(/[^\p{L}\p{N}]+/gu, "-").replace(/^-+|-+$/g, "").slice(0, 80);
  return `term-${language}-${encodeURIComponent(slug || "term")}`;
}
