// Kysely table types of the glossary (migrations/0014_glossary.ts).
import type { Selectable } from "kysely";

export interface GlossaryTermsTable {
  id: string;
  community_id: string;
  /** Normalised (src/domain/glossary.ts termKey). */
  term_key: string;
  term: string;
  language: string;
  version: number;
  definition: string;
  source: string | null;
  created_at: string;
  updated_at: string;
}

export interface GlossaryVersionsTable {
  term_id: string;
  version: number;
  term: string;
  definition: string;
  source: string | null;
  created_at: string;
}

export interface GlossaryInheritedTable {
  community_id: string;
  /** JSON array of { uri, distance } (verified ancestors). */
  ancestors: string;
  /** JSON array of GlossaryEntry. */
  entries: string;
  fetched_at: string;
}

export type GlossaryTermRow = Selectable<GlossaryTermsTable>;
export type GlossaryVersionRow = Selectable<GlossaryVersionsTable>;
