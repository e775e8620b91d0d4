// The report queue's de-duplication, on SQLite and PostgreSQL: one open
// report per reporter and subject, enforced by the database, also when Flags
// are filed concurrently.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMigrator, migrateToLatest } from "../../src/db/migrator.ts";
import { createRepositories, type Repositories } from "../../src/db/repositories/index.ts";
import { createTestDatabase, DIALECTS, postgresUnavailable, type TestDatabase } from "./databases.ts";

const REPORTER = "https://mastodon.example/actor";
const SUBJECT = "https://remote.example/users/spammer";

function flag(n: number, objects: string[] = [SUBJECT, `${SUBJECT}/statuses/${n}`], reporter = REPORTER) {
  return { communityId: null, reporterUri: reporter, activityUri: `https://mastodon.example/flags/${n}`, comment: `comment ${n}`, objects };
}

describe.each(DIALECTS)("reports on %s", (dialect) => {
  let database: TestDatabase;
  let repos: Repositories;

  beforeAll(async () => {
    if (dialect === "postgres" && postgresUnavailable) return;
    database = await createTestDatabase(dialect);
    repos = createRepositories(database.db, database.dialect);
  });

  afterAll(async () => {
    await database?.dispose();
  });

  it.skipIf(dialect === "postgres" && postgresUnavailable)("files concurrent Flags about one subject as one open report", async () => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => repos.reports.receive(flag(i))));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const open = await repos.reports.list();
    expect(open).toHaveLength(1);
    expect(open[0].flagCount).toBe(20);
    // Every Flag's status was added, none lost to a concurrent update.
    expect(new Set(open[0].objects)).toEqual(new Set([SUBJECT, ...Array.from({ length: 20 }, (_, i) => `${SUBJECT}/statuses/${i}`)]));
  });

  it.skipIf(dialect === "postgres" && postgresUnavailable)("ignores a redelivered Flag, keeps other reporters and subjects apart, and reopens after closing", async () => {
    const [first] = await repos.reports.list();
    // The Flag that opened the report, delivered once more.
    const again = await repos.reports.receive({ ...flag(0), activityUri: first.activityUri });
    expect(again).toMatchObject({ created: false, report: { id: first.id, flagCount: 20 } });

    expect((await repos.reports.receive(flag(100, [SUBJECT], "https://other.example/actor"))).created).toBe(true);
    expect((await repos.reports.receive(flag(101, ["https://remote.example/users/someone-else"]))).created).toBe(true);
    expect(await repos.reports.list()).toHaveLength(3);

    expect(await repos.reports.close(first.id, "dismissed", "test")).toBe(true);
    const reopened = await repos.reports.receive(flag(102));
    expect(reopened.created).toBe(true);
    expect(reopened.report.id).not.toBe(first.id);
    expect(reopened.report.flagCount).toBe(1);
  });

  it.skipIf(dialect === "postgres" && postgresUnavailable)("refuses a second open report for one reporter and subject at the database", async () => {
    const [open] = (await repos.reports.list()).filter((r) => r.reporterUri === REPORTER && r.objects[0] === SUBJECT);
    const row = await database.db.selectFrom("reports").selectAll().where("id", "=", open.id).executeTakeFirstOrThrow();
    await expect(database.db.insertInto("reports").values({ ...row, id: crypto.randomUUID(), activity_uri: "https://mastodon.example/flags/dup" }).execute())
      .rejects.toThrow(/unique|duplicate/i);
  });

  it.skipIf(dialect === "postgres" && postgresUnavailable)("folds open duplicates received before the migration into the oldest", async () => {
    const migrator = await createMigrator(database.db);
    const { error } = await migrator.migrateTo("0007_web");
    expect(error).toBeUndefined();
    await database.db.deleteFrom("reports").execute();
    const row = (n: number, status: "open" | "dismissed", objects = [SUBJECT, `${SUBJECT}/statuses/${n}`]) => ({
      id: `00000000-0000-4000-8000-00000000000${n}`, community_id: null, reporter_uri: REPORTER, activity_uri: `https://mastodon.example/old/${n}`,
      comment: `old ${n}`, objects: JSON.stringify(objects), status, created_at: `2030-01-0${n}T00:00:00.000Z`,
      resolved_at: null, resolved_by: null, forwarded_at: null,
    });
    // Written with the columns before 0009 only.
    await (database.db as any).insertInto("reports").values([row(1, "open"), row(2, "open"), row(3, "dismissed"), row(4, "open"), row(5, "open", ["https://remote.example/other"])]).execute();
    await migrateToLatest(database.db);
    const open = await repos.reports.list();
    expect(open.map((r) => [r.id.at(-1), r.flagCount, r.objects[0]])).toEqual([["1", 3, SUBJECT], ["5", 1, "https://remote.example/other"]]);
    const all = await repos.reports.list({ includeClosed: true });
    expect(all.filter((r) => r.resolvedBy === `system:duplicate-of:${open[0].id}`).map((r) => r.id.at(-1))).toEqual(["2", "4"]);
    expect((await repos.reports.receive(flag(200))).report.id).toBe(open[0].id);
  });
});

