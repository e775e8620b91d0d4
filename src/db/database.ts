import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";
import type { Database } from "./schema.ts";

export type Dialect = "sqlite" | "postgres";

export interface DatabaseOptions {
  /** `sqlite` (file path) or `postgres` (connection URL). */
  driver: Dialect;
  /** For SQLite, a file path or `:memory:`; for PostgreSQL, a connection URL. */
  url: string;
  /** Pool size for PostgreSQL. */
  poolSize?: number;
}

export interface PraxisDatabase {
  db: Kysely<Database>;
  dialect: Dialect;
  close(): Promise<void>;
}

// int8 (bigint) columns hold millisecond timestamps well within 2^53.
pg.types.setTypeParser(20, (v: string) => Number(v));

export function openDatabase(options: DatabaseOptions): PraxisDatabase {
  if (options.driver === "postgres") {
    const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10 });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, dialect: "postgres", close: () => db.destroy() };
  }
  if (options.url !== ":memory:") mkdirSync(dirname(options.url), { recursive: true });
  const sqlite = new SQLite(options.url);
  // WAL lets the CLI and the server use the same file at once; the busy
  // timeout makes a writer wait for the other process instead of failing.
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("busy_timeout = 5000");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("synchronous = NORMAL");
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { db, dialect: "sqlite", close: () => db.destroy() };
}
