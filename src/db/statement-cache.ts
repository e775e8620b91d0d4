// Prepared-statement reuse for better-sqlite3.
//
// Kysely's SQLite driver prepares every statement it runs: compiling the SQL
// costs several times what running a typical Praxis statement does (the
// queue's claim, its acknowledgements and the key-value store's reads run
// thousands of times per fan-out), and each prepared statement holds native
// memory until the garbage collector finalises it. A StatementCache keeps the
// most recently used statements per connection, keyed by their SQL text, and
// hands the same one out again.
//
// Reuse is safe because a statement is run to completion (`all`, `run`) each
// time, with its parameters bound afresh; a statement still busy (an
// unfinished `iterate`) is never handed out twice — a fresh one is prepared
// for the second caller. The cache is private to the code given it: it
// never exposes a shared statement to code that could change its mode
// (`pluck`, `raw`, `expand`, `safeIntegers`).
import type SQLite from "better-sqlite3";

/** Statements kept per connection (SQL texts that vary, such as IN lists of varying length, are evicted first). */
export const DEFAULT_STATEMENT_CACHE_SIZE = 500;

export class StatementCache {
  readonly #db: SQLite.Database;
  readonly #size: number;
  /** Insertion order is recency: a hit moves the entry to the end. */
  readonly #statements = new Map<string, SQLite.Statement>();

  constructor(db: SQLite.Database, size = DEFAULT_STATEMENT_CACHE_SIZE) {
    this.#db = db;
    this.#size = size;
  }

  /** The prepared statement for `sql`, reused when one is cached and not busy. */
  prepare(sql: string): SQLite.Statement {
    const cached = this.#statements.get(sql);
    if (cached !== undefined) {
      if (cached.busy) return this.#db.prepare(sql);
      this.#statements.delete(sql);
      this.#statements.set(sql, cached);
      return cached;
    }
    const statement = this.#db.prepare(sql);
    this.#statements.set(sql, statement);
    if (this.#statements.size > this.#size) {
      const oldest = this.#statements.keys().next().value as string;
      this.#statements.delete(oldest);
    }
    return statement;
  }

  get size(): number {
    return this.#statements.size;
  }

  clear(): void {
    this.#statements.clear();
  }
}

/** What Kysely's own SqliteDialect needs of a database: `prepare` and `close`. */
export interface KyselySqliteDatabase {
  prepare(sql: string): SQLite.Statement;
  close(): void;
}

/** `db` as Kysely's SqliteDialect sees it, with its statements reused through a StatementCache. */
export function withStatementCache(db: SQLite.Database, size = DEFAULT_STATEMENT_CACHE_SIZE): KyselySqliteDatabase {
  const cache = new StatementCache(db, size);
  return {
    prepare: (sql) => cache.prepare(sql),
    close: () => {
      cache.clear();
      db.close();
    },
  };
}
