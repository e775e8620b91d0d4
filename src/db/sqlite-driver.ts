// The SQLite driver for Kysely: better-sqlite3 with two connections and no
// long synchronous waits.
//
// better-sqlite3 waits for a lock by blocking the thread (its busy timeout
// is a sleep in the calling thread), so another process holding the write
// lock for seconds used to freeze the whole server. Here:
// - reads never wait for a write: in WAL mode a read does not need the
//   write lock, and while one of this process's writes is waiting or a
//   transaction is open, reads run on a second, read-only connection, so
//   pages keep rendering while another process holds the database;
// - writes run one at a time on a second connection whose busy timeout is
//   short (`busyTimeoutMs`); a write that finds the database locked is
//   retried asynchronously with backoff, the event loop serving other
//   requests in between, until `retryMs` have passed since it was issued;
//   then it fails with DatabaseBusyError, which the web layer answers with
//   503 and Retry-After and the queue with a retry;
// - a transaction takes the write lock when it begins (BEGIN IMMEDIATE,
//   retried the same way), so no statement inside it can meet a lock.
import SQLite from "better-sqlite3";
import {
  type CompiledQuery, type DatabaseConnection, type DatabaseIntrospector, type Dialect, type DialectAdapter, type Driver,
  type Kysely, type QueryCompiler, type QueryResult, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler,
} from "kysely";
import { DatabaseBusyError, isSqliteBusy } from "./faults.ts";
import { type Checkpointer, FALLBACK_PAGES, startCheckpointer } from "./sqlite-checkpointer.ts";
import { alignSidecarModes } from "./sqlite-files.ts";
import { StatementCache } from "./statement-cache.ts";

export interface SqliteDriverOptions {
  /** The database file, or `:memory:` (one connection then serves reads and writes). */
  path: string;
  /** How long one attempt waits synchronously for a lock, in ms (short: it blocks the thread). */
  busyTimeoutMs: number;
  /** How long a statement keeps retrying a locked database before DatabaseBusyError, in ms. */
  retryMs: number;
  /** Checkpoint the write-ahead log on a thread of its own (src/db/sqlite-checkpointer.ts). */
  checkpointInBackground?: boolean;
}

const MAX_BACKOFF_MS = 200;
/** Read-only or not, per SQL text; bounded so that varying IN lists cannot grow it forever. */
const READONLY_CACHE_SIZE = 2000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `work`, retrying it with async backoff while SQLite reports the database busy, until `deadline`. */
async function retryWhileBusy<T>(work: () => T, deadline: number, what: string): Promise<T> {
  let delay = 5;
  for (;;) {
    try {
      return work();
    } catch (error) {
      if (!isSqliteBusy(error)) throw error;
      const wait = Math.min(delay, deadline - Date.now());
      if (wait <= 0) throw new DatabaseBusyError(`The database stayed locked by another connection while ${what}`, { cause: error });
      await sleep(wait);
      delay = Math.min(delay * 2, MAX_BACKOFF_MS);
    }
  }
}

/** A FIFO lock whose waiters give up at a deadline. */
class WriteLock {
  #held = false;

  /** Whether a write or a transaction of this process is under way. */
  get held(): boolean {
    return this.#held;
  }

  readonly #waiters: Array<{ grant: () => void }> = [];

  async acquire(deadline: number): Promise<void> {
    if (!this.#held) {
      this.#held = true;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const waiter = {
        grant: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(new DatabaseBusyError("Writes to the database are queued behind a locked one"));
      }, Math.max(0, deadline - Date.now()));
      this.#waiters.push(waiter);
    });
  }

  release(): void {
    const next = this.#waiters.shift();
    if (next) next.grant();
    else this.#held = false;
  }
}

function resultOf<R>(stmt: SQLite.Statement, parameters: readonly unknown[]): QueryResult<R> {
  if (stmt.reader) return { rows: stmt.all(parameters) as R[] };
  const { changes, lastInsertRowid } = stmt.run(parameters);
  return {
    insertId: lastInsertRowid != null ? BigInt(lastInsertRowid) : undefined,
    numAffectedRows: changes != null ? BigInt(changes) : undefined,
    rows: [],
  };
}

class SqliteDriver implements Driver {
  readonly #options: SqliteDriverOptions;
  #writer!: SQLite.Database;
  #reader!: SQLite.Database;
  /** Prepared statements reused per connection (src/db/statement-cache.ts). */
  #writerStatements!: StatementCache;
  #readerStatements!: StatementCache;
  readonly #lock = new WriteLock();
  readonly #readonly = new Map<string, boolean>();
  #checkpointer: Checkpointer | null = null;

  constructor(options: SqliteDriverOptions) {
    this.#options = options;
  }

  async init(): Promise<void> {
    const { path, busyTimeoutMs } = this.#options;
    this.#writer = new SQLite(path);
    // WAL lets readers (this process's reader, the CLI) work while one connection writes.
    this.#writer.pragma("journal_mode = WAL");
    this.#writer.pragma(`busy_timeout = ${busyTimeoutMs}`);
    this.#writer.pragma("foreign_keys = ON");
    this.#writer.pragma("synchronous = NORMAL");
    if (this.#options.checkpointInBackground) {
      this.#checkpointer = startCheckpointer(path);
      // The writer checkpoints by itself only if the thread falls far behind.
      this.#writer.pragma(`wal_autocheckpoint = ${FALLBACK_PAGES}`);
    }
    if (path !== ":memory:") alignSidecarModes(path);
    if (path === ":memory:") {
      this.#reader = this.#writer;
    } else {
      this.#reader = new SQLite(path);
      this.#reader.pragma(`busy_timeout = ${busyTimeoutMs}`);
      this.#reader.pragma("foreign_keys = ON");
      this.#reader.pragma("query_only = ON");
    }
    this.#writerStatements = new StatementCache(this.#writer);
    this.#readerStatements = this.#reader === this.#writer ? this.#writerStatements : new StatementCache(this.#reader);
  }

  get sharedConnection(): boolean {
    return this.#reader === this.#writer;
  }

  deadline(): number {
    return Date.now() + this.#options.retryMs;
  }

  /** Whether a statement only reads (it may then run on the reader connection). */
  isReadonly(sql: string): boolean {
    let readonly = this.#readonly.get(sql);
    if (readonly === undefined) {
      readonly = this.#readerStatements.prepare(sql).readonly;
      if (this.#readonly.size >= READONLY_CACHE_SIZE) this.#readonly.clear();
      this.#readonly.set(sql, readonly);
    }
    return readonly;
  }

  /**
   * A read runs on the writer connection while no write of ours is under
   * way (its page cache stays warm), else on the reader, which neither waits
   * for that write nor sees an uncommitted transaction.
   */
  async read<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return retryWhileBusy(() => {
      const statements = this.#lock.held ? this.#readerStatements : this.#writerStatements;
      return resultOf<R>(statements.prepare(query.sql), query.parameters);
    }, this.deadline(), "reading");
  }

  /** One statement on the writer, under the write lock. */
  async write<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const deadline = this.deadline();
    await this.#lock.acquire(deadline);
    try {
      return await retryWhileBusy(() => resultOf<R>(this.#writerStatements.prepare(query.sql), query.parameters), deadline, "writing");
    } finally {
      this.#lock.release();
    }
  }

  /** Takes the write lock and the database's (BEGIN IMMEDIATE) for a transaction. */
  async begin(): Promise<void> {
    const deadline = this.deadline();
    await this.#lock.acquire(deadline);
    try {
      await retryWhileBusy(() => this.#writer.exec("begin immediate"), deadline, "beginning a transaction");
    } catch (error) {
      this.#lock.release();
      throw error;
    }
  }

  /** A statement inside the transaction: the database lock is already held. */
  inTransaction<R>(query: CompiledQuery): QueryResult<R> {
    try {
      return resultOf<R>(this.#writerStatements.prepare(query.sql), query.parameters);
    } catch (error) {
      if (isSqliteBusy(error)) throw new DatabaseBusyError("The database was locked inside a transaction", { cause: error });
      throw error;
    }
  }

  async commit(): Promise<void> {
    try {
      // COMMIT may be retried after SQLITE_BUSY: the transaction stays open.
      await retryWhileBusy(() => this.#writer.exec("commit"), this.deadline(), "committing");
    } catch (error) {
      if (this.#writer.inTransaction) this.#writer.exec("rollback");
      throw error;
    } finally {
      this.#lock.release();
    }
  }

  async rollback(): Promise<void> {
    try {
      if (this.#writer.inTransaction) this.#writer.exec("rollback");
    } finally {
      this.#lock.release();
    }
  }

  #dataVersion: number | undefined;

  /**
   * Whether another connection (another process, the CLI) has committed to
   * the database since the last call: SQLite's data_version of a connection
   * changes with every commit but its own, and every write of this process
   * goes through the writer. True on the first call and once closed.
   */
  changedElsewhere(): boolean {
    if (!this.#writer?.open) return true;
    const version = Number(this.#writer.pragma("data_version", { simple: true }));
    const changed = version !== this.#dataVersion;
    this.#dataVersion = version;
    return changed;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new Session(this);
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as Session).begin();
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as Session).end("commit");
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as Session).end("rollback");
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    // A transaction Kysely abandoned (it always ends them): never keep the lock.
    await (connection as Session).end("rollback");
  }

  async destroy(): Promise<void> {
    await this.#checkpointer?.stop();
    this.#writerStatements?.clear();
    this.#readerStatements?.clear();
    if (this.#reader !== this.#writer) this.#reader?.close();
    this.#writer?.close();
  }
}

/** What Kysely calls a connection: routes each statement to the reader or the writer. */
class Session implements DatabaseConnection {
  readonly #driver: SqliteDriver;
  #inTransaction = false;

  constructor(driver: SqliteDriver) {
    this.#driver = driver;
  }

  async begin(): Promise<void> {
    await this.#driver.begin();
    this.#inTransaction = true;
  }

  async end(how: "commit" | "rollback"): Promise<void> {
    if (!this.#inTransaction) return;
    this.#inTransaction = false;
    await (how === "commit" ? this.#driver.commit() : this.#driver.rollback());
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (this.#inTransaction) return this.#driver.inTransaction<R>(query);
    // With one shared connection (:memory:), reads queue behind writes as well.
    if (!this.#driver.sharedConnection && this.#driver.isReadonly(query.sql)) return this.#driver.read<R>(query);
    return this.#driver.write<R>(query);
  }

  async *streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    // Streams are short reads; Praxis does not use them, Kysely's API has them.
    const result = await this.executeQuery<R>(query);
    for (const row of result.rows) yield { rows: [row] };
  }
}

class ConcurrentSqliteAdapter extends SqliteAdapter {
  override get supportsMultipleConnections(): boolean {
    return true;
  }
}

/** SQLite as Kysely's SqliteDialect builds it, with the driver above. */
export class PraxisSqliteDialect implements Dialect {
  readonly #options: SqliteDriverOptions;

  constructor(options: SqliteDriverOptions) {
    this.#options = options;
  }

  #driver: SqliteDriver | undefined;

  createDriver(): Driver {
    return this.#driver = new SqliteDriver(this.#options);
  }

  /** Whether another connection has committed since the last call (see SqliteDriver); true before the driver exists. */
  changedElsewhere(): boolean {
    return this.#driver?.changedElsewhere() ?? true;
  }

  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    // The driver serialises writes itself and reads need no lock: Kysely
    // must not funnel every query through one connection mutex.
    return new ConcurrentSqliteAdapter();
  }

  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}
