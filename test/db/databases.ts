// Throwaway migrated databases for the store and queue tests: a SQLite file in
// the temporary directory, or a fresh schema in the PostgreSQL test database.
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { type DatabaseOptions, type Dialect, openDatabase, type PraxisDatabase } from "../../src/db/database.ts";
import { migrateToLatest } from "../../src/db/migrator.ts";

const POSTGRES_URL = process.env.PRAXIS_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

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
    const schema = `test_${randomUUID().replaceAll("-", "")}`;
    await withPostgresClient((client) => client.query(`create schema ${schema}`));
    const url = new URL(POSTGRES_URL);
    url.searchParams.set("options", `-c search_path=${schema}`);
    options = { driver: "postgres", url: url.href, poolSize: 20 };
    drop = async () => {
      await withPostgresClient((client) => client.query(`drop schema ${schema} cascade`));
    };
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

async function withPostgresClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function probePostgres(): Promise<string | undefined> {
  try {
    await withPostgresClient((client) => client.query("select 1"));
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
