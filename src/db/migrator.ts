import { promises as fs } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Kysely, PostgresAdapter, sql } from "kysely";
import { FileMigrationProvider, type MigrationResultSet, Migrator } from "kysely/migration";

export const MIGRATIONS_DIR = fileURLToPath(new URL("../../migrations", import.meta.url));

export function createMigrator(db: Kysely<any>, options: { schema?: string } = {}): Migrator {
  return new Migrator({
    db,
    provider: new FileMigrationProvider({ fs, path, migrationFolder: MIGRATIONS_DIR }),
    ...(options.schema ? { migrationTableSchema: options.schema } : {}),
  });
}

/**
 * On PostgreSQL, the schema the migrations run in (search_path). Kysely looks
 * for its migration tables in every schema unless told which one, so a
 * database with several Praxis schemas (tests) would find another's tables.
 * With the default search_path this is "public", where they always were.
 */
async function currentSchema(db: Kysely<any>): Promise<string | undefined> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return undefined;
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  return rows[0]?.schema ?? undefined;
}

/** Applies every pending migration; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const { error, results }: MigrationResultSet = await createMigrator(db, { schema: await currentSchema(db) }).migrateToLatest();
  const failed = results?.find((r) => r.status === "Error");
  if (error) {
    const where = failed ? ` (migration ${failed.migrationName})` : "";
    throw new Error(`Database migration failed${where}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}
