// Prepared statements on PostgreSQL (src/db/pg-named-statements.ts): a
// statement with parameters is prepared once per connection, under a name
// shared by the whole process, and a prepared statement whose table gained
// a column since is run again unnamed.
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MAX_NAMED, namedStatementCount } from "../../src/db/pg-named-statements.ts";
import { claimMessages } from "../../src/db/queue-claim.ts";
import { createTestDatabase, postgresUnavailable, type TestDatabase } from "./databases.ts";

describe.skipIf(postgresUnavailable !== undefined)("named statements on PostgreSQL", () => {
  let database: TestDatabase;

  beforeEach(async () => {
    database = await createTestDatabase("postgres");
  });
  afterEach(() => database.dispose());

  /** The statements prepared on the connection that runs this, by text. */
  async function prepared(): Promise<string[]> {
    return database.db.connection().execute(async (db) => {
      await db.selectFrom("communities").select("id").where("slug", "=", "a").execute();
      await db.selectFrom("communities").select("id").where("slug", "=", "b").execute();
      const rows = await sql<{ name: string; statement: string }>`select name, statement from pg_prepared_statements`.execute(db);
      return rows.rows.map((r) => r.statement);
    });
  }

  it("prepares a statement with parameters once per connection, and one without parameters not at all", async () => {
    const statements = await prepared();
    expect(statements.filter((s) => s.includes(`from "communities" where "slug" = $1`))).toHaveLength(1);
    expect(statements.some((s) => s.includes("pg_prepared_statements"))).toBe(false);
    expect(namedStatementCount()).toBeLessThanOrEqual(MAX_NAMED);
  });

  it("never prepares the queue's claims, which are planned for the queue as it is each time", async () => {
    const statements = await database.db.connection().execute(async (db) => {
      for (const lane of ["outbox", "inbox"] as const) {
        for (let i = 0; i < 3; i++) {
          await db.transaction().execute((tx) => claimMessages(tx, "postgres", {
            queue: "test", lane, limit: 4, token: crypto.randomUUID(), now: Date.now(), leaseMs: 30_000, hostConcurrency: lane === "outbox" ? 8 : null,
          }));
        }
      }
      const rows = await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(db);
      return rows.rows.map((r) => r.statement);
    });
    expect(statements.filter((s) => s.includes(`"lease_token" =`))).toEqual([]);
    // The call of the function that runs them (taking the advisory lock first) is prepared as any other statement.
    expect(statements.some((s) => s.includes("praxis_claim"))).toBe(true);
  });

  it("runs a prepared select * again, unnamed, once its table has gained a column", async () => {
    await sql`create table stale_plan (a integer)`.execute(database.db);
    await sql`insert into stale_plan values (1)`.execute(database.db);
    const read = (db: typeof database.db) => db.selectFrom("stale_plan" as never).selectAll().where("a" as never, "=", 1 as never).execute();
    const rows = await database.db.connection().execute(async (db) => {
      expect(await read(db)).toEqual([{ a: 1 }]);
      await sql`alter table stale_plan add column b integer`.execute(db);
      const again = await read(db);
      // And again: the text now runs unnamed.
      return [again, await read(db)];
    });
    expect(rows).toEqual([[{ a: 1, b: null }], [{ a: 1, b: null }]]);
  });
});
