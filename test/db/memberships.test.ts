import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createRepositories } from "../../src/db/repositories/index.ts";
import { createTestDatabase, DIALECTS, postgresUnavailable, type TestDatabase } from "./databases.ts";

for (const dialect of DIALECTS) {
  describe.skipIf(dialect === "postgres" && postgresUnavailable !== undefined)(`memberships and arrivals (src/db/repositories/arrivals.ts) on ${dialect}`, () => {
    let database: TestDatabase;

    beforeEach(async () => {
      database = await createTestDatabase(dialect);
    });
    afterEach(() => database.dispose());

    it("tells whether an accepted member lives on an origin", async () => {
      const repos = createRepositories(database.db, database.dialect);
      const community = await repos.communities.create({ slug: "council", name: "Council", closed: true });
      await repos.memberships.upsert(community.id, "https://social.example/users/mia", "accepted", null);
      await repos.memberships.upsert(community.id, "https://pending.example/users/pat", "pending", null);
      expect(await repos.memberships.hasAcceptedMemberOn(community.id, "https://social.example")).toBe(true);
      expect(await repos.memberships.hasAcceptedMemberOn(community.id, "https://pending.example")).toBe(false);
      // An origin is matched whole: a longer host sharing the prefix is another server.
      expect(await repos.memberships.hasAcceptedMemberOn(community.id, "https://social.ex")).toBe(false);
      expect(await repos.memberships.hasAcceptedMemberOn(community.id, "https://social.example.evil")).toBe(false);
    });

    it("reads the community, the actor's standing (membership, ban, moderator) and its stored copy's age, as the separate reads do", async () => {
      const repos = createRepositories(database.db, database.dialect);
      const community = await repos.communities.create({ slug: "orchard", name: "Orchard", closed: true });
      const other = await repos.communities.create({ slug: "vineyard", name: "Vineyard" });
      const mia = "https://social.example/users/mia";
      const pat = "https://social.example/users/pat";
      const mod = "https://cop.example/users/mod";
      await repos.memberships.upsert(community.id, mia, "accepted", null);
      await repos.memberships.upsert(other.id, pat, "accepted", null);
      await repos.bans.upsert({ communityId: community.id, actorUri: pat, reason: "spam", expiresAt: null, bannedBy: "op", blockUri: null });
      await repos.bans.upsert({ communityId: community.id, actorUri: mia, reason: "cool off", expiresAt: "2000-01-01T00:00:00.000Z", bannedBy: "op", blockUri: null });
      const account = await repos.accounts.create({ username: "mod", passwordHash: "x", role: "moderator", actorUri: mod });
      await repos.moderators.add(community.id, account.id);
      await repos.remoteActors.upsert({ uri: mia, handle: "@mia@social.example", type: "Person", name: "Mia", inbox: `${mia}/inbox`, sharedInbox: null, url: null, iconUrl: null });

      expect(await repos.arrivals.read("nowhere", mia)).toBeNull();
      const arrival = await repos.arrivals.read("orchard", mia);
      expect(arrival?.community).toEqual(await repos.communities.findBySlug("orchard"));
      expect(arrival?.standing).toEqual({ status: "accepted", ban: { expiresAt: "2000-01-01T00:00:00.000Z" }, moderator: false });
      expect(arrival?.actorFetchedAt).toBe((await repos.remoteActors.get(mia))!.fetched_at);
      expect((await repos.arrivals.read("orchard", pat))?.standing).toEqual({ status: null, ban: { expiresAt: null }, moderator: false });
      expect((await repos.arrivals.read("orchard", mod))?.standing).toEqual({ status: null, ban: null, moderator: true });
      expect((await repos.arrivals.read("orchard", mod))?.actorFetchedAt).toBeNull();
      expect((await repos.arrivals.read("vineyard", mod))?.standing).toEqual({ status: null, ban: null, moderator: false });
      expect((await repos.arrivals.read("vineyard", pat))?.standing).toEqual({ status: "accepted", ban: null, moderator: false });
      for (const [slug, c, actor] of [["orchard", community.id, mia], ["orchard", community.id, pat], ["orchard", community.id, mod], ["vineyard", other.id, pat]] as const) {
        const { standing } = (await repos.arrivals.read(slug, actor))!;
        expect(standing.status).toBe(await repos.memberships.status(c, actor));
        expect(standing.moderator).toBe(await repos.moderators.isModeratorActor(c, actor));
        expect(standing.ban !== null && standing.ban.expiresAt === null).toBe(await repos.bans.isBanned(c, actor));
      }

      // Reads asked together (concurrent handlers) answer as they do alone;
      // on PostgreSQL they are one statement between them. (Counted as they
      // run: a statement compiled once is not built again.)
      let statements = 0;
      const counted = createRepositories(database.db.withPlugin({
        transformQuery: (args) => args.node,
        transformResult: async (args) => { statements++; return args.result; },
      }), database.dialect);
      const asked = [["orchard", mia], ["orchard", pat], ["nowhere", mia], ["orchard", mod], ["vineyard", pat], ["vineyard", mod], ["orchard", mia]] as const;
      const together = await Promise.all(asked.map(([slug, actor]) => counted.arrivals.read(slug, actor)));
      expect(statements).toBe(dialect === "postgres" ? 1 : asked.length);
      for (const [i, [slug, actor]] of asked.entries()) expect(together[i]).toEqual(await repos.arrivals.read(slug, actor));
      expect(together[2]).toBeNull();
    });
  });
}
