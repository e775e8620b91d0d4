import { getLogger } from "@logtape/logtape";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { DatabaseUnavailableError } from "./faults.ts";
import { useNamedStatements } from "./pg-named-statements.ts";
import type { Database } from "./schema.ts";
import { PraxisSqliteDialect } from "./sqlite-driver.ts";
import { prepareSqliteFiles } from "./sqlite-files.ts";

const logger = getLogger(["praxis", "db"]);

export type Dialect = "sqlite" | "postgres";

export interface DatabaseOptions {
  /** `sqlite` (file path) or `postgres` (connection URL). */
  driver: Dialect;
  /** For SQLite, a file path or `:memory:`; for PostgreSQL, a connection URL. */
  url: string;
  /** Pool size for PostgreSQL. */
  poolSize?: number;
  /** SQLite: how long one attempt waits synchronously for a lock, in ms (default 20). */
  busyTimeoutMs?: number;
  /**
   * How long a statement keeps retrying a SQLite database locked by another
   * process, or waits for a PostgreSQL connection, before failing with
   * DatabaseUnavailableError, in ms (default 5000).
   */
  retryMs?: number;
  /** SQLite: checkpoint the write-ahead log on a thread of its own, off the event loop (src/db/sqlite-checkpointer.ts); for servers. */
  checkpointInBackground?: boolean;
}

export interface PraxisDatabase {
  db: Kysely<Database>;
  dialect: Dialect;
  close(): Promise<void>;
  /**
   * SQLite: whether another connection (another process) has committed
   * since the last call, which tells a queue listener's wake-up from its own
   * process's writes (src/db/queue-wake.ts). Absent on PostgreSQL.
   */
  changedElsewhere?: () => boolean;
}

export const DEFAULT_BUSY_TIMEOUT_MS = 20;
export const DEFAULT_RETRY_MS = 5000;

// int8 (bigint) columns hold millisecond timestamps well within 2^53.
pg.types.setTypeParser(20, (v: string) => Number(v));

export function openDatabase(options: DatabaseOptions): PraxisDatabase {
  const retryMs = options.retryMs ?? DEFAULT_RETRY_MS;
  if (options.driver === "postgres") {
    const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10, connectionTimeoutMillis: retryMs });
    // A connection losing its server (a restart, a network cut) must not
    // crash the process: the pool reports idle ones, and a client in use
    // reports it as an 'error' event besides failing its query.
    const lost = (error: Error) => logger.warn("A PostgreSQL connection was lost: {error}", { error: error.message });
    pool.on("error", lost);
    pool.on("connect", (client) => client.on("error", lost));
    const db = new Kysely<Database>({
      dialect: new PostgresDialect({
        pool: {
          connect: () => pool.connect().then(useNamedStatements, (error: Error) => {
            throw new DatabaseUnavailableError(`Cannot connect to PostgreSQL: ${error.message}`, { cause: error });
          }),
          end: () => pool.end(),
          options: pool.options,
          Client: pg.Client,
        },
      }),
    });
    return { db, dialect: "postgres", close: () => db.destroy() };
  }
  const path = options.url;
  if (path !== ":memory:") {
    // The file holds the communities' private keys: created 0600 in a 0700 directory.
    for (const warning of prepareSqliteFiles(path)) logger.warn(warning);
  }
  const dialect = new PraxisSqliteDialect({
    path, busyTimeoutMs: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS, retryMs,
    checkpointInBackground: options.checkpointInBackground === true && path !== ":memory:",
  });
  const db = new Kysely<Database>({ dialect });
  return { db, dialect: "sqlite", close: () => db.destroy(), changedElsewhere: () => dialect.changedElsewhere() };
}
