import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createRepositories } from "../../src/db/repositories/index.ts";
import { createTestDatabase, DIALECTS, postgresUnavailable, type TestDatabase } from "./databases.ts";

for (const dialect of DIALECTS) {
  describe.skipIf(dialect === "postgres" && postgresUnavailable !== undefined)(`memberships on ${dialect}`, () => {
    let database: TestDatabase;

    beforeEach(async () => {
      database = await createTestDatabase(dialect);
    });
    afterEach(() => database.dispose());

    it("tells whether an accepted member lives on an origin", async () => {
      const repos = createRepositories(database.db);
      const community = await repos.communities.create({ slug: "council", name: "Council", closed: true });
      await repos.memberships.upsert(community.id, "https://social.example/users/mia", "accepted", null);
      await repos.memberships.upsert(community.id, "https://pending.example/users/pat", "pending", null);
      expect(await repos.memberships.hasAcceptedMemberOn(community.id, "https://social.example")).toBe(true);
      expect(await repos.memberships.hasAcceptedMemberOn(community.id, "https://pending.example")).toBe(false);
      // An origin is matched whole: a longer host sharing the prefix is another server.
      expect(await repos.memberships.hasAcceptedMemberOn(community.id, "https://social.ex")).toBe(false);
      expect(await repos.memberships.hasAcceptedMemberOn(community.id, "https://social.example.evil")).toBe(false);
    });
  });
}
