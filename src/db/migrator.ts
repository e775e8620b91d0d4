import { promises as fs } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type DatabaseIntrospector, type Kysely, PostgresAdapter, type SchemaMetadata, sql, type TableMetadata } from "kysely";
import { FileMigrationProvider, type MigrationResultSet, Migrator } from "kysely/migration";

export const MIGRATIONS_DIR = fileURLToPath(new URL("../../migrations", import.meta.url));

/**
 * On PostgreSQL the migration tables live in the connection's current schema.
 * Kysely otherwise looks for them in every schema of the database, and would
 * take another Praxis's tables (in a neighbouring schema) for its own.
 */
async function currentPostgresSchema(db: Kysely<any>): Promise<string | undefined> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return undefined;
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  return rows[0]?.schema ?? undefined;
}

/**
 * What Kysely's migrator reads of the catalogue (does the schema exist, do
 * its tables), limited to `schema`. Its own introspector reads every schema
 * of the database, through information_schema's per-row privilege checks:
 * where several servers share one database, a neighbour's schema dropped
 * during that read (a server removed, a test finishing) made this server's
 * migration fail with `schema "…" does not exist`. pg_catalog read by
 * namespace name has no such per-row calls.
 */
function scopedIntrospector(db: Kysely<any>, schema: string): DatabaseIntrospector {
  const tables = async (): Promise<TableMetadata[]> => {
    const { rows } = await sql<{ name: string; isView: boolean }>`
      select c.relname as name, c.relkind = 'v' as "isView"
      from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = ${schema} and c.relkind in ('r', 'v', 'p')`.execute(db);
    return rows.map((row) => ({ name: row.name, schema, isView: row.isView, isForeign: false, columns: [] }));
  };
  return {
    async getSchemas(): Promise<SchemaMetadata[]> {
      const { rows } = await sql<{ name: string }>`select nspname as name from pg_catalog.pg_namespace where nspname = ${schema}`.execute(db);
      return rows;
    },
    getTables: tables,
  };
}

/** `db`, but with its introspection limited to `schema` (everything else is `db`'s own). */
function withScopedIntrospection(db: Kysely<any>, schema: string): Kysely<any> {
  const introspection = scopedIntrospector(db, schema);
  return new Proxy(db, {
    get(target, property) {
      if (property === "introspection") return introspection;
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

export async function createMigrator(db: Kysely<any>): Promise<Migrator> {
  const schema = await currentPostgresSchema(db);
  return new Migrator({
    db: schema === undefined ? db : withScopedIntrospection(db, schema),
    provider: new FileMigrationProvider({ fs, path, migrationFolder: MIGRATIONS_DIR }),
    migrationTableSchema: schema,
  });
}

/** Applies every pending migration; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const { error, results }: MigrationResultSet = await (await createMigrator(db)).migrateToLatest();
  const failed = results?.find((r) => r.status === "Error");
  if (error) {
    const where = failed ? ` (migration ${failed.migrationName})` : "";
    throw new Error(`Database migration failed${where}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}
