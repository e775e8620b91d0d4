// Fedify's key-value store on the `fedify_kv` table, for SQLite and PostgreSQL.
//
// Keys are stored as their JSON text and values as JSON text, so a stored
// `null` stays distinct from a missing key. Entries with a TTL carry an
// absolute `expires_at` (epoch ms); expired rows are invisible to every read
// and are deleted by a bounded sweep at most once a minute.
//
// Reads and writes are batched per turn of the event loop: the keys read in
// one turn are read by one statement, and the writes made in one turn are
// written together (in order; the last write of a key wins). A burst of
// inbox activities, each checked and recorded by Fedify's idempotency
// record, then costs a statement per batch rather than two per activity.
// `cas` reads and writes on its own, as it must.
import type { KvKey, KvStore, KvStoreListEntry, KvStoreSetOptions } from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";
import { type ExpressionBuilder, type Kysely, sql } from "kysely";
import { BatchLoader } from "./batch-loader.ts";
import { Coalescer } from "./coalescer.ts";
import type { Dialect } from "./database.ts";
import type { Database } from "./schema.ts";

const logger = getLogger(["praxis", "db", "kv"]);

const LIST_PAGE_SIZE = 500;
const SWEEP_INTERVAL_MS = 60_000;
const SWEEP_BATCH_SIZE = 500;

export interface KyselyKvStoreOptions {
  /**
   * Accepted so that both Fedify stores are built alike; every statement this
   * store issues is portable, so it behaves the same on either dialect.
   */
  dialect?: Dialect;
}

/** Keys per statement of `getMany` (well under either database's limit on parameters). */
const GET_MANY_CHUNK = 500;
/** Rows per upsert of a batch of writes (three parameters each). */
const WRITE_CHUNK = 200;

/** A write waiting for its batch: `value` is the JSON text, or undefined to delete. */
interface Write {
  key: string;
  value: string | undefined;
  expiresAt: number | null;
}

export class KyselyKvStore implements KvStore {
  readonly #db: Kysely<Database>;
  readonly #reads = new BatchLoader<string, string>((keys) => this.#readTexts(keys));
  readonly #writes = new Coalescer<Write>((writes) => this.#write(writes));
  #lastSweepAt = 0;
  /** Set by `close`: the database is going away. */
  #closed = false;

  constructor(db: Kysely<Database>, _options?: KyselyKvStoreOptions) {
    this.#db = db;
  }

  /**
   * Called before the database is closed (src/app.ts). Work still running
   * then (a handler past the queue's drain, a fetch that outlived its
   * request) finds every key absent and has its writes dropped, instead of
   * failing on a closed database where no one waits for the error.
   */
  close(): void {
    this.#closed = true;
  }

  /**
   * The value of `key`. The keys read within one turn of the event loop
   * (a burst's inbox handlers each checking Fedify's idempotency record)
   * are read in one statement.
   */
  async get<T = unknown>(key: KvKey): Promise<T | undefined> {
    const text = await this.#reads.load(encodeKey(key));
    return text === undefined ? undefined : JSON.parse(text) as T;
  }

  /** The values of several keys in one statement per few hundred keys, in the order asked (undefined: absent or expired). */
  async getMany<T = unknown>(keys: readonly KvKey[]): Promise<(T | undefined)[]> {
    const found = await this.#readTexts(keys.map(encodeKey));
    return keys.map((key) => {
      const value = found.get(encodeKey(key));
      return value === undefined ? undefined : JSON.parse(value) as T;
    });
  }

  /** The stored text of each live key among `encoded`, by key. */
  async #readTexts(encoded: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    const now = Date.now();
    try {
      for (let start = 0; start < encoded.length && !this.#closed; start += GET_MANY_CHUNK) {
        const rows = await this.#db.selectFrom("fedify_kv").select(["key", "value"])
          .where("key", "in", encoded.slice(start, start + GET_MANY_CHUNK)).where(isLive(now))
          .execute();
        for (const row of rows) found.set(row.key, row.value);
      }
    } catch (error) {
      if (!this.#closed) throw error;
    }
    return this.#closed ? new Map() : found;
  }

  /**
   * Stores `value`; storing `undefined` deletes the key, as `cas` does.
   * The writes made within one turn of the event loop are written together,
   * in order (the last write of a key wins), and each resolves once they are.
   */
  async set(key: KvKey, value: unknown, options?: KvStoreSetOptions): Promise<void> {
    await this.#writes.add({ key: encodeKey(key), value: value === undefined ? undefined : JSON.stringify(value), expiresAt: expiresAt(options) });
    if (value !== undefined) await this.#sweepIfDue();
  }

  async delete(key: KvKey): Promise<void> {
    await this.#writes.add({ key: encodeKey(key), value: undefined, expiresAt: null });
  }

  /** One batch of writes: one upsert of the keys whose last write stores a value, one delete of the others. */
  async #write(writes: Write[]): Promise<void> {
    if (this.#closed) return;
    try {
      await this.#writeAll(writes);
    } catch (error) {
      if (!this.#closed) throw error;
    }
  }

  async #writeAll(writes: Write[]): Promise<void> {
    const last = new Map<string, Write>();
    for (const write of writes) last.set(write.key, write);
    const stored = [...last.values()].filter((w) => w.value !== undefined)
      .map((w) => ({ key: w.key, value: w.value!, expires_at: w.expiresAt }));
    const deleted = [...last.values()].filter((w) => w.value === undefined).map((w) => w.key);
    for (let start = 0; start < stored.length; start += WRITE_CHUNK) {
      await this.#db.insertInto("fedify_kv").values(stored.slice(start, start + WRITE_CHUNK))
        .onConflict((oc) => oc.column("key").doUpdateSet((eb) => ({ value: eb.ref("excluded.value"), expires_at: eb.ref("excluded.expires_at") })))
        .execute();
    }
    for (let start = 0; start < deleted.length; start += GET_MANY_CHUNK) {
      await this.#db.deleteFrom("fedify_kv").where("key", "in", deleted.slice(start, start + GET_MANY_CHUNK)).execute();
    }
  }

  /**
   * Replaces the value of `key` with `newValue` (deleting it if `undefined`)
   * if its current value deeply equals `expectedValue` (`undefined` meaning
   * absent or expired).
   *
   * Optimistic and lock-free: the entry is read and compared in JS, then
   * written by a single statement that only applies if the row still holds
   * the exact text that was read (or, for an absent entry, that no live row
   * has appeared). A statement that matches nothing means another writer got
   * in between, so the comparison is redone on the fresh value.
   */
  async cas(key: KvKey, expectedValue: unknown, newValue: unknown, options?: KvStoreSetOptions): Promise<boolean> {
    if (this.#closed) return false;
    const encodedKey = encodeKey(key);
    const expected = toJson(expectedValue);
    for (;;) {
      const current = await this.#db.selectFrom("fedify_kv").select("value")
        .where("key", "=", encodedKey).where(isLive(Date.now()))
        .executeTakeFirst();
      const currentValue = current === undefined ? undefined : JSON.parse(current.value);
      if (!jsonEqual(currentValue, expected)) return false;
      if (await this.#swap(encodedKey, current?.value, newValue, options)) {
        if (newValue !== undefined) await this.#sweepIfDue();
        return true;
      }
    }
  }

  /** Writes `newValue` only if the entry still holds `currentText`; returns whether it did. */
  async #swap(key: string, currentText: string | undefined, newValue: unknown, options?: KvStoreSetOptions): Promise<boolean> {
    const now = Date.now();
    if (currentText === undefined) {
      if (newValue === undefined) return true;
      const row = { key, value: JSON.stringify(newValue), expires_at: expiresAt(options) };
      // Inserts, or replaces a row that has expired in the meantime.
      const result = await this.#db.insertInto("fedify_kv").values(row)
        .onConflict((oc) => oc.column("key")
          .doUpdateSet({ value: row.value, expires_at: row.expires_at })
          .where("fedify_kv.expires_at", "<=", now))
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    }
    if (newValue === undefined) {
      const result = await this.#db.deleteFrom("fedify_kv")
        .where("key", "=", key).where("value", "=", currentText).where(isLive(now))
        .executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    }
    const result = await this.#db.updateTable("fedify_kv")
      .set({ value: JSON.stringify(newValue), expires_at: expiresAt(options) })
      .where("key", "=", key).where("value", "=", currentText).where(isLive(now))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * Lists live entries whose key starts with `prefix` element-wise (the key
   * equal to the prefix included), or all entries without a prefix. Pages
   * through the table by key so that a large listing is never loaded at once.
   */
  async *list(prefix?: KvKey): AsyncIterable<KvStoreListEntry> {
    let after: string | undefined;
    while (!this.#closed) {
      let query = this.#db.selectFrom("fedify_kv").select(["key", "value"])
        .where(isLive(Date.now())).orderBy("key").limit(LIST_PAGE_SIZE);
      if (prefix !== undefined && prefix.length > 0) query = query.where(hasPrefix(prefix));
      if (after !== undefined) query = query.where("key", ">", after);
      const rows = await query.execute();
      for (const row of rows) yield { key: JSON.parse(row.key) as KvKey, value: JSON.parse(row.value) };
      if (rows.length < LIST_PAGE_SIZE) return;
      after = rows[rows.length - 1].key;
    }
  }

  /** Deletes up to `limit` expired entries; returns how many it deleted. */
  async sweepExpired(limit = SWEEP_BATCH_SIZE): Promise<number> {
    const expired = this.#db.selectFrom("fedify_kv").select("key")
      .where("expires_at", "<=", Date.now()).limit(limit);
    const result = await this.#db.deleteFrom("fedify_kv").where("key", "in", expired).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Runs one bounded sweep if the last one was more than a minute ago; never throws. */
  async #sweepIfDue(): Promise<void> {
    const now = Date.now();
    if (this.#closed || now - this.#lastSweepAt < SWEEP_INTERVAL_MS) return;
    this.#lastSweepAt = now;
    try {
      await this.sweepExpired();
    } catch (error) {
      logger.warn("Sweeping expired key-value entries failed: {error}", { error });
    }
  }
}

function encodeKey(key: KvKey): string {
  return JSON.stringify(key);
}

function expiresAt(options: KvStoreSetOptions | undefined): number | null {
  return options?.ttl === undefined ? null : Date.now() + options.ttl.total("millisecond");
}

function isLive(now: number) {
  return (eb: ExpressionBuilder<Database, "fedify_kv">) =>
    eb.or([eb("expires_at", "is", null), eb("expires_at", ">", now)]);
}

/**
 * Matches keys element-wise prefixed by `prefix`: the key `p` itself, or keys
 * whose JSON text starts with `q` = `p` minus its closing `]`, plus `,`. A
 * `substr` comparison rather than `LIKE` needs no escaping of `%` and `_`;
 * its length is in code points, as SQLite and PostgreSQL count characters.
 */
function hasPrefix(prefix: KvKey) {
  const p = encodeKey(prefix);
  const q = `${p.slice(0, -1)},`;
  return (eb: ExpressionBuilder<Database, "fedify_kv">) =>
    eb.or([
      eb("key", "=", p),
      eb(sql<string>`substr(${eb.ref("key")}, 1, ${sql.lit([...q].length)})`, "=", q),
    ]);
}

/** The value as it would read back from the store (`undefined` stays `undefined`). */
function toJson(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

/** Deep equality of JSON values (object key order is irrelevant). */
function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  }
  const aEntries = Object.entries(a);
  const bRecord = b as Record<string, unknown>;
  return aEntries.length === Object.keys(bRecord).length
    && aEntries.every(([k, v]) => Object.hasOwn(bRecord, k) && jsonEqual(v, bRecord[k]));
}
