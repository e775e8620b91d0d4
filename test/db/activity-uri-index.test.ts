// The recorded activities of communities are found by their own id without
// scanning the table (migration 0011): every relayed activity records its
// JSON by id (saveJson) and `GET` of an activity's id reads it (getByUri).
// Activities sent together (a post's Announce and boost) are claimed and
// recorded one statement each. Checked on the plans the databases choose for the repository's own
// statements (captured as they run), on SQLite and PostgreSQL; PostgreSQL is
// told to avoid sequential scans, so that the plan shows whether an index can
// answer at all (on a table this small it would otherwise scan anyway).
import { CompiledQuery, sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { CommunityActivityRepository } from "../../src/db/repositories/community-activities.ts";
import { capture, createTestDatabase, DIALECTS, postgresUnavailable, type TestDatabase } from "./databases.ts";

async function plan(database: TestDatabase, query: CompiledQuery): Promise<string> {
  if (database.dialect === "sqlite") {
    const r = await database.db.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${query.sql}`, [...query.parameters]));
    return r.rows.map((row) => row.detail).join("\n");
  }
  return database.db.transaction().execute(async (tx) => {
    await sql`set local enable_seqscan = off`.execute(tx);
    const r = await tx.executeQuery<{ "QUERY PLAN": string }>(CompiledQuery.raw(`explain ${query.sql}`, [...query.parameters]));
    return r.rows.map((row) => row["QUERY PLAN"]).join("\n");
  });
}

/** Whether a plan reads every row of community_activities. */
function scansActivities(database: TestDatabase, text: string): boolean {
  return database.dialect === "sqlite"
    ? /SCAN (community_activities|ca)\b/.test(text)
    : /Seq Scan on community_activities/.test(text);
}

describe.each(DIALECTS)("community_activities lookups by activity id (%s)", (dialect) => {
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await database?.dispose();
    database = undefined;
  });

  it.skipIf(dialect === "postgres" && postgresUnavailable)("use an index, not a scan of the table", async () => {
    database = await createTestDatabase(dialect);
    const communityId = "c1";
    const at = new Date().toISOString();
    await database.db.insertInto("communities").values({ id: communityId, slug: "c1", name: "C1", created_at: at, updated_at: at } as never).execute();
    const { db, queries } = capture(database.db);
    const repo = new CommunityActivityRepository(db);
    const uri = "https://praxis.example/c/c1/activities/1";
    await repo.claim(communityId, "https://remote.example/notes/1", "announce", uri);
    queries.length = 0;
    await repo.saveJson(uri, { id: uri, type: "Announce" });
    await repo.getByUri(uri);
    await repo.find(communityId, "https://remote.example/notes/1", "announce");
    await repo.retire(communityId, "https://remote.example/notes/1", ["boost"]);
    await repo.claim(communityId, "https://remote.example/notes/1", "announce", `${uri}-again`);
    await repo.saveJsonMany([{ activityUri: uri, json: { id: uri } }, { activityUri: `${uri}-2`, json: { id: `${uri}-2` } }]);
    expect(queries.length).toBeGreaterThanOrEqual(7);
    for (const query of queries) {
      if (!/community_activities/.test(query.sql)) continue;
      const text = await plan(database, query);
      expect(scansActivities(database, text), `${query.sql}\n${text}`).toBe(false);
    }
  });

  it.skipIf(dialect === "postgres" && postgresUnavailable)("claim ids for activities sent together in one statement, and record their JSON in one", async () => {
    database = await createTestDatabase(dialect);
    const at = new Date().toISOString();
    await database.db.insertInto("communities").values({ id: "c1", slug: "c1", name: "C1", created_at: at, updated_at: at } as never).execute();
    const { db, queries } = capture(database.db);
    const repo = new CommunityActivityRepository(db);
    const base = "https://praxis.example/c/c1/activities";
    const note = "https://remote.example/notes/1";
    const create = `${note}/activity`;
    // A retry: the announce was claimed before, the boost was not.
    await repo.claim("c1", create, "announce", `${base}/first`);
    queries.length = 0;
    const claimed = await repo.claimMany("c1", [
      { sourceUri: create, kind: "announce", activityUri: `${base}/a` },
      { sourceUri: note, kind: "boost", activityUri: `${base}/b` },
    ]);
    expect(claimed).toEqual([{ activityUri: `${base}/first`, created: false }, { activityUri: `${base}/b`, created: true }]);
    queries.length = 0;
    await repo.saveJsonMany([{ activityUri: `${base}/first`, json: { type: "Announce", n: 1 } }, { activityUri: `${base}/b`, json: { type: "Announce", n: 2 } }]);
    expect(queries).toHaveLength(1);
    expect((await repo.getByUri(`${base}/first`))?.json).toEqual({ type: "Announce", n: 1 });
    expect((await repo.getByUri(`${base}/b`))?.json).toEqual({ type: "Announce", n: 2 });
    // Both new: one statement.
    queries.length = 0;
    const fresh = await repo.claimMany("c1", [
      { sourceUri: `${note}-2/activity`, kind: "announce", activityUri: `${base}/c` },
      { sourceUri: `${note}-2`, kind: "boost", activityUri: `${base}/d` },
    ]);
    expect(fresh.every((c) => c.created)).toBe(true);
    expect(queries).toHaveLength(1);
    // Claimed with their JSON, in the same one statement; a claim made before keeps its JSON.
    queries.length = 0;
    const withJson = await repo.claimMany("c1", [
      { sourceUri: `${note}-3/activity`, kind: "announce", activityUri: `${base}/e`, json: { type: "Announce", n: 3 } },
      { sourceUri: note, kind: "boost", activityUri: `${base}/f`, json: { type: "Announce", n: 4 } },
    ]);
    expect(withJson).toEqual([{ activityUri: `${base}/e`, created: true }, { activityUri: `${base}/b`, created: false }]);
    expect((await repo.getByUri(`${base}/e`))?.json).toEqual({ type: "Announce", n: 3 });
    expect((await repo.getByUri(`${base}/b`))?.json).toEqual({ type: "Announce", n: 2 });
    expect(await repo.getByUri(`${base}/f`)).toBeNull();
  });
});
