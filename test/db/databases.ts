// Throwaway migrated databases for the store and queue tests: a SQLite file in
// the temporary directory, or a fresh schema in the PostgreSQL test database.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { CompiledQuery, Kysely, KyselyPlugin } from "kysely";
import { type DatabaseOptions, type Dialect, openDatabase, type PraxisDatabase } from "../../src/db/database.ts";
import { migrateToLatest } from "../../src/db/migrator.ts";
import type { Database } from "../../src/db/schema.ts";
import { createThrowawaySchema, TEST_POSTGRES_URL as POSTGRES_URL, withPostgresClient } from "../support/postgres.ts";


export const DIALECTS: readonly Dialect[] = ["sqlite", "postgres"];

/** Why PostgreSQL tests are skipped, or undefined when the server answers. */
export const postgresUnavailable: string | undefined = await probePostgres();
if (postgresUnavailable) {
  console.warn(`Skipping PostgreSQL tests: ${POSTGRES_URL} is unreachable (${postgresUnavailable}); set PRAXIS_TEST_POSTGRES_URL to run them.`);
}

export interface TestDatabase extends PraxisDatabase {
  /** Options that open the same database again, e.g. from another process. */
  options: DatabaseOptions;
  /** Opens another connection (a separate pool or SQLite handle), closed by `dispose`. */
  connect(): PraxisDatabase;
  /** Closes every connection and deletes the database. */
  dispose(): Promise<void>;
}

export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  let options: DatabaseOptions;
  let drop: () => Promise<void>;
  if (dialect === "sqlite") {
    const dir = await mkdtemp(path.join(tmpdir(), "praxis-db-test-"));
    options = { driver: "sqlite", url: path.join(dir, "praxis.sqlite") };
    drop = () => rm(dir, { recursive: true, force: true });
  } else {
    const schema = await createThrowawaySchema("test");
    options = { driver: "postgres", url: schema.url, poolSize: 20 };
    drop = schema.drop;
  }
  const opened: PraxisDatabase[] = [];
  const connect = () => {
    const database = openDatabase(options);
    opened.push(database);
    return database;
  };
  const main = connect();
  await migrateToLatest(main.db);
  return {
    ...main,
    options,
    connect,
    async dispose() {
      await Promise.all(opened.map((database) => database.close()));
      await drop();
    },
  };
}

async function probePostgres(): Promise<string | undefined> {
  try {
    await withPostgresClient(POSTGRES_URL, (client) => client.query("select 1"));
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Records the compiled text and parameters of every statement run through it. */
export function capture(db: Kysely<Database>): { db: Kysely<Database>; queries: CompiledQuery[] } {
  const queries: CompiledQuery[] = [];
  const plugin: KyselyPlugin = {
    transformQuery(args) {
      queries.push(db.getExecutor().compileQuery(args.node, args.queryId));
      return args.node;
    },
    async transformResult(args) {
      return args.result;
    },
  };
  return { db: db.withPlugin(plugin), queries };
}
