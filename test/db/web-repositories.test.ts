// The queries behind the web pages and the console, on SQLite and on
// PostgreSQL: thread listing (keyset paging in both sorts), replies and
// their counts, reactions, console sessions.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRepositories, type Repositories } from "../../src/db/repositories/index.ts";
import { createTestDatabase, DIALECTS, postgresUnavailable, type TestDatabase } from "./databases.ts";

for (const dialect of DIALECTS) {
  describe.skipIf(dialect === "postgres" && postgresUnavailable)(`web queries on ${dialect}`, () => {
    let database: TestDatabase;
    let repos: Repositories;
    let communityId: string;
    const uri = (n: number) => `https://social.example/notes/${n}`;

    async function post(n: number, inReplyTo: number | null = null) {
      return (await repos.posts.insertIfAbsent({
        communityId, objectUri: uri(n), activityUri: null, authorUri: "https://social.example/users/alice", type: "Note",
        inReplyTo: inReplyTo === null ? null : uri(inReplyTo), name: null, summary: null, content: `<p>${n}</p>`, url: null,
        published: new Date().toISOString(), attachments: [{ kind: "image", url: "https://media.example/a.png", mediaType: "image/png", description: null, width: null, height: null }],
        language: "fr",
      })).post;
    }

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      repos = createRepositories(database.db, database.dialect);
      communityId = (await repos.communities.create({ slug: "nurses", name: "Nurses" })).id;
      for (let n = 1; n <= 7; n++) {
        await post(n);
        await new Promise((r) => setTimeout(r, 3));
      }
    });

    afterAll(async () => {
      await database?.dispose();
    });

    it("pages threads by arrival without shifting when new ones arrive", async () => {
      const first = await repos.posts.threads(communityId, { sort: "new", limit: 3 });
      expect(first.rows.map((r) => r.object_uri)).toEqual([uri(7), uri(6), uri(5)]);
      expect(first.newer).toBeNull();
      const second = await repos.posts.threads(communityId, { sort: "new", limit: 3, before: first.older! });
      expect(second.rows.map((r) => r.object_uri)).toEqual([uri(4), uri(3), uri(2)]);
      await post(8);
      const again = await repos.posts.threads(communityId, { sort: "new", limit: 3, before: first.older! });
      expect(again.rows.map((r) => r.object_uri)).toEqual([uri(4), uri(3), uri(2)]);
      const back = await repos.posts.threads(communityId, { sort: "new", limit: 3, after: second.newer! });
      expect(back.rows.map((r) => r.object_uri)).toEqual([uri(7), uri(6), uri(5)]);
      expect(back.newer).not.toBeNull();
      const last = await repos.posts.threads(communityId, { sort: "new", limit: 3, before: second.older! });
      expect(last.rows.map((r) => r.object_uri)).toEqual([uri(1)]);
      expect(last.older).toBeNull();
    });

    it("keeps replies under their thread, counts them, and sorts by the latest reply", async () => {
      const reply = await post(20, 2);
      const nested = await post(21, 20);
      expect(reply.thread_uri).toBe(uri(2));
      expect(nested.thread_uri).toBe(uri(2));
      expect(reply.language).toBe("fr");
      expect(JSON.parse(reply.attachments)).toHaveLength(1);
      const listed = await repos.posts.threads(communityId, { sort: "new", limit: 50 });
      expect(listed.rows.map((r) => r.object_uri)).not.toContain(uri(20));
      expect((await repos.posts.replyCounts(communityId, [uri(2), uri(3)])).get(uri(2))).toBe(2);
      expect((await repos.posts.replies(communityId, uri(2))).map((r) => r.object_uri)).toEqual([uri(20), uri(21)]);
      const active = await repos.posts.threads(communityId, { sort: "active", limit: 2 });
      expect(active.rows[0].object_uri).toBe(uri(2));
      const next = await repos.posts.threads(communityId, { sort: "active", limit: 2, before: active.older! });
      expect(next.rows.map((r) => r.object_uri)).not.toContain(uri(2));
    });

    it("counts one like per actor and forgets an undone one", async () => {
      const like = (actor: string, id: string) => repos.reactions.add({ communityId, objectUri: uri(1), actorUri: actor, kind: "like", activityUri: id });
      await like("https://a.example/u/1", "https://a.example/likes/1");
      await like("https://a.example/u/1", "https://a.example/likes/2");
      await like("https://b.example/u/2", "https://b.example/likes/3");
      expect((await repos.reactions.likeCounts(communityId, [uri(1)])).get(uri(1))).toBe(2);
      await repos.reactions.remove("https://b.example/likes/3", "https://b.example/u/2");
      expect((await repos.reactions.likeCounts(communityId, [uri(1)])).get(uri(1))).toBe(1);
    });

    it("keeps console sessions until they expire or are deleted", async () => {
      const account = await repos.accounts.create({ username: "maya", passwordHash: "x", role: "moderator", actorUri: null });
      const future = new Date(Date.now() + 60_000).toISOString();
      await repos.sessions.create({ id: "a".repeat(64), accountId: account.id, csrfToken: "t", expiresAt: future, clientAddress: null });
      await repos.sessions.create({ id: "b".repeat(64), accountId: account.id, csrfToken: "t", expiresAt: new Date(Date.now() - 1).toISOString(), clientAddress: null });
      expect(await repos.sessions.findLive("a".repeat(64))).not.toBeNull();
      expect(await repos.sessions.findLive("b".repeat(64))).toBeNull();
      expect(await repos.sessions.purgeExpired()).toBe(1);
      await repos.accounts.delete(account.id);
      expect(await repos.sessions.findLive("a".repeat(64))).toBeNull();
    });
  });
}
