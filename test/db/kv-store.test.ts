import type { KvKey } from "@fedify/fedify";
import { Temporal } from "@js-temporal/polyfill";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KyselyKvStore } from "../../src/db/kv-store.ts";
import { createTestDatabase, DIALECTS, postgresUnavailable, type TestDatabase } from "./databases.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Fedify runs on the Temporal polyfill; only the TypeScript lib's declaration differs. */
function duration(like: Temporal.DurationLike): globalThis.Temporal.Duration {
  return Temporal.Duration.from(like) as unknown as globalThis.Temporal.Duration;
}

async function collect(iterable: AsyncIterable<{ key: KvKey; value: unknown }>) {
  const entries = [];
  for await (const entry of iterable) entries.push(entry);
  return entries;
}

for (const dialect of DIALECTS) {
  describe.skipIf(dialect === "postgres" && postgresUnavailable !== undefined)(`KyselyKvStore on ${dialect}`, () => {
    let database: TestDatabase;
    let kv: KyselyKvStore;

    beforeEach(async () => {
      database = await createTestDatabase(dialect);
      kv = new KyselyKvStore(database.db, { dialect });
    });
    afterEach(() => database.dispose());

    it("once closed, before its database, reads every key as absent and drops writes instead of failing", async () => {
      await kv.set(["kept"], 1);
      // A read asked just before the close, whose batch runs after the database is gone.
      const asked = kv.get(["kept"]);
      kv.close();
      await database.close();
      await expect(asked).resolves.toBeUndefined();
      await expect(kv.get(["kept"])).resolves.toBeUndefined();
      await expect(kv.getMany([["kept"], ["other"]])).resolves.toEqual([undefined, undefined]);
      await expect(kv.set(["late"], 2)).resolves.toBeUndefined();
      await expect(kv.delete(["kept"])).resolves.toBeUndefined();
      await expect(kv.cas(["kept"], 1, 3)).resolves.toBe(false);
      expect(await collect(kv.list())).toEqual([]);
    });

    it("round-trips JSON values and keeps a stored null distinct from a missing key", async () => {
      expect(await kv.get(["missing"])).toBeUndefined();
      const values: unknown[] = [null, false, 0, "", "text", [1, "two"], { nested: { list: [true] } }];
      for (const [i, value] of values.entries()) await kv.set(["value", String(i)], value);
      for (const [i, value] of values.entries()) expect(await kv.get(["value", String(i)])).toEqual(value);
      expect(await kv.get(["value", "0"])).toBeNull();
    });

    it("reads several keys at once, in the order asked, across statement chunks", async () => {
      await kv.set(["spec", "https://a.example"], "draft-cavage-http-signatures-12");
      await kv.set(["spec", "https://b.example"], "rfc9421");
      await kv.set(["spec", "https://gone.example"], "rfc9421", { ttl: duration({ milliseconds: 1 }) });
      await sleep(10);
      const many = Array.from({ length: 1_200 }, (_, i) => ["spec", `https://n${i}.example`] as KvKey);
      const keys: KvKey[] = [["spec", "https://b.example"], ["spec", "https://missing.example"], ...many, ["spec", "https://a.example"], ["spec", "https://gone.example"]];
      const values = await kv.getMany<string>(keys);
      expect(values.length).toBe(keys.length);
      expect(values[0]).toBe("rfc9421");
      expect(values[1]).toBeUndefined();
      expect(values.slice(2, -2).every((v) => v === undefined)).toBe(true);
      expect(values.at(-2)).toBe("draft-cavage-http-signatures-12");
      expect(values.at(-1)).toBeUndefined();
      expect(await kv.getMany([])).toEqual([]);
    });

    it("reads the keys asked in one turn in one statement, and writes the writes made in one turn together, the last one winning", async () => {
      let statements = 0;
      const counted = new KyselyKvStore(database.db.withPlugin({
        transformQuery: (args) => { statements++; return args.node; },
        transformResult: async (args) => args.result,
      }), { dialect });
      // The first write also runs the once-a-minute sweep of expired entries.
      await counted.set(["first"], 1);
      statements = 0;
      await Promise.all(Array.from({ length: 40 }, (_, i) => counted.set(["idempotence", String(i)], true, { ttl: duration({ days: 1 }) })));
      expect(statements).toBe(1);
      statements = 0;
      const read = await Promise.all(Array.from({ length: 50 }, (_, i) => counted.get<boolean>(["idempotence", String(i)])));
      expect(statements).toBe(1);
      expect(read.filter((v) => v === true).length).toBe(40);
      expect(read.slice(40).every((v) => v === undefined)).toBe(true);
      // Writes to one key in one turn: applied in the order made.
      statements = 0;
      await Promise.all([counted.set(["a"], 1), counted.set(["a"], 2), counted.delete(["b"]), counted.set(["b"], "kept"), counted.set(["c"], "gone"), counted.delete(["c"])]);
      expect(statements).toBe(2);
      expect(await Promise.all([counted.get(["a"]), counted.get(["b"]), counted.get(["c"])])).toEqual([2, "kept", undefined]);
    });

    it("overwrites and deletes", async () => {
      await kv.set(["k"], 1);
      await kv.set(["k"], 2);
      expect(await kv.get(["k"])).toBe(2);
      await kv.delete(["k"]);
      expect(await kv.get(["k"])).toBeUndefined();
      await kv.set(["k"], 3);
      await kv.set(["k"], undefined);
      expect(await kv.get(["k"])).toBeUndefined();
    });

    it("hides expired entries and sweeps them", async () => {
      await kv.set(["short"], "soon gone", { ttl: duration({ milliseconds: 100 }) });
      await kv.set(["long"], "stays", { ttl: duration({ days: 1 }) });
      await kv.set(["forever"], "stays");
      expect(await kv.get(["short"])).toBe("soon gone");
      await sleep(150);
      expect(await kv.get(["short"])).toBeUndefined();
      expect((await collect(kv.list())).map((e) => e.key)).toEqual([["forever"], ["long"]]);
      expect(await kv.sweepExpired()).toBe(1);
      expect(await kv.sweepExpired()).toBe(0);
      // Setting without a TTL makes the entry permanent again.
      await kv.set(["long"], "permanent");
      const [row] = await database.db.selectFrom("fedify_kv").select("expires_at").where("key", "=", '["long"]').execute();
      expect(row.expires_at).toBeNull();
    });

    it("compares and swaps with deep equality", async () => {
      expect(await kv.cas(["c"], "something", 1)).toBe(false);
      expect(await kv.cas(["c"], undefined, { a: 1, b: [1, 2] })).toBe(true);
      expect(await kv.cas(["c"], undefined, "again")).toBe(false);
      // Key order does not matter, values do.
      expect(await kv.cas(["c"], { b: [1, 2], a: 1 }, { a: 2 })).toBe(true);
      expect(await kv.cas(["c"], { a: 1 }, { a: 3 })).toBe(false);
      expect(await kv.get(["c"])).toEqual({ a: 2 });
      // A new value of undefined deletes the entry.
      expect(await kv.cas(["c"], { a: 2 }, undefined)).toBe(true);
      expect(await kv.get(["c"])).toBeUndefined();
      expect(await kv.cas(["c"], undefined, undefined)).toBe(true);
    });

    it("treats a stored null as a value and an expired entry as absent in cas", async () => {
      await kv.set(["n"], null);
      expect(await kv.cas(["n"], undefined, 1)).toBe(false);
      expect(await kv.cas(["n"], null, 1)).toBe(true);
      await kv.set(["e"], "old", { ttl: duration({ milliseconds: 50 }) });
      await sleep(100);
      expect(await kv.cas(["e"], "old", "new")).toBe(false);
      expect(await kv.cas(["e"], undefined, "new", { ttl: duration({ hours: 1 }) })).toBe(true);
      expect(await kv.get(["e"])).toBe("new");
    });

    it("keeps concurrent cas increments from separate connections atomic", async () => {
      const stores = [kv, new KyselyKvStore(database.connect().db, { dialect })];
      const increment = async (store: KyselyKvStore) => {
        for (;;) {
          const current = await store.get<number>(["counter"]);
          if (await store.cas(["counter"], current, (current ?? 0) + 1)) return;
        }
      };
      await Promise.all(Array.from({ length: 40 }, (_, i) => increment(stores[i % 2])));
      expect(await kv.get(["counter"])).toBe(40);
    });

    it("lists entries by element-wise key prefix", async () => {
      const keys: KvKey[] = [["a"], ["a", "b"], ["a", "b", "c"], ["a", "bc"], ["ab"], ["b"], ["a", "%_"], ["a", "😀", "x"]];
      for (const key of keys) await kv.set(key, key.join("/"));
      const listed = async (prefix?: KvKey) => (await collect(kv.list(prefix))).map((e) => e.key.join("/")).sort();
      expect(await listed(["a"])).toEqual(["a", "a/%_", "a/b", "a/b/c", "a/bc", "a/😀/x"]);
      expect(await listed(["a", "b"])).toEqual(["a/b", "a/b/c"]);
      expect(await listed(["a", "%"])).toEqual([]);
      expect(await listed(["a", "😀"])).toEqual(["a/😀/x"]);
      expect(await listed(["z"])).toEqual([]);
      expect(await listed()).toHaveLength(keys.length);
      expect(await listed([] as unknown as KvKey)).toHaveLength(keys.length);
      const [entry] = await collect(kv.list(["a", "b", "c"]));
      expect(entry).toEqual({ key: ["a", "b", "c"], value: "a/b/c" });
    });

    it("lists past a page boundary", async () => {
      await database.db.insertInto("fedify_kv").values(Array.from({ length: 1234 }, (_, i) => ({
        key: JSON.stringify(["many", String(i).padStart(4, "0")]),
        value: String(i),
        expires_at: null,
      }))).execute();
      const entries = await collect(kv.list(["many"]));
      expect(entries).toHaveLength(1234);
      expect(new Set(entries.map((e) => e.value)).size).toBe(1234);
    });
  });
}
