// Several Praxis servers may share one PostgreSQL database, each in its own
// schema. Kysely's migrator reads the catalogue of every schema to find its
// own tables; a neighbour whose schema is dropped at that moment (another
// server removed, a test finishing) must not make this server's migration fail.
import { describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/database.ts";
import { migrateToLatest } from "../../src/db/migrator.ts";
import { createThrowawaySchema, TEST_POSTGRES_URL, withPostgresClient } from "../support/postgres.ts";
import { postgresUnavailable } from "./databases.ts";

describe.skipIf(postgresUnavailable !== undefined)("migrations in a database shared with other schemas", () => {
  it("succeed while neighbouring schemas are created and dropped", { timeout: 120_000 }, async () => {
    let churning = true;
    // Neighbours coming and going, each with a few tables, as other servers' schemas would.
    const churn = withPostgresClient(TEST_POSTGRES_URL, async (client) => {
      for (let i = 0; churning && i < 2_000; i++) {
        const name = `churn_${process.pid}_${i}`;
        await client.query(`create schema ${name}; create table ${name}.a (id int, b text); create table ${name}.c (id int)`);
        await client.query(`drop schema ${name} cascade`);
      }
    });
    const failures: string[] = [];
    try {
      for (let run = 0; run < 8; run++) {
        const schema = await createThrowawaySchema("mshare");
        const database = openDatabase({ driver: "postgres", url: schema.url, poolSize: 2 });
        try {
          await migrateToLatest(database.db);
        } catch (error) {
          failures.push(String(error));
        } finally {
          await database.close();
          await schema.drop();
        }
      }
    } finally {
      churning = false;
      await churn;
    }
    expect(failures).toEqual([]);
  });
});
