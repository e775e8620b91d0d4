// The writes every relayed post makes — its row (posts.insertIfAbsent) and
// the ids of the community's Announce and boost (activities.claimMany) —
// asked by concurrent inbox handlers: one statement between them
// (src/db/batcher.ts), each handler answered as if it had written alone, on
// PostgreSQL and on SQLite alike.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { NewPost } from "../../src/db/repositories/posts.ts";
import { createRepositories, type Repositories } from "../../src/db/repositories/index.ts";
import { createTestDatabase, DIALECTS, postgresUnavailable, type TestDatabase } from "./databases.ts";

for (const dialect of DIALECTS) {
  describe.skipIf(dialect === "postgres" && postgresUnavailable !== undefined)(`relayed posts' writes, asked together, on ${dialect}`, () => {
    let database: TestDatabase;
    let statements: number;
    let repos: Repositories;
    let communityId: string;
    let otherId: string;
    const note = (n: number) => `https://social.example/notes/${n}`;
    const newPost = (n: number, community = communityId, inReplyTo: string | null = null): NewPost => ({
      communityId: community, objectUri: note(n), activityUri: `${note(n)}/activity`, authorUri: "https://social.example/users/alice",
      type: "Note", inReplyTo, name: null, summary: null, content: `<p>${n}</p>`, url: null, published: "2026-12-01T10:00:00.000Z",
    });

    beforeEach(async () => {
      database = await createTestDatabase(dialect);
      statements = 0;
      repos = createRepositories(database.db.withPlugin({
        transformQuery: (args) => { statements++; return args.node; },
        transformResult: async (args) => args.result,
      }), database.dialect);
      communityId = (await repos.communities.create({ slug: "nurses", name: "Nurses" })).id;
      otherId = (await repos.communities.create({ slug: "midwives", name: "Midwives" })).id;
      await repos.posts.insertIfAbsent(newPost(1));
      statements = 0;
    });
    afterEach(() => database.dispose());

    it("stores posts asked together once each, and tells each caller whether its own was new", async () => {
      // Post 1 is held already; post 2 is asked twice in one turn; post 3 in two communities.
      const asked = [newPost(1), newPost(2), newPost(2), newPost(3), newPost(3, otherId)];
      const answers = await Promise.all(asked.map((p) => repos.posts.insertIfAbsent(p)));
      expect(answers.map((a) => a.inserted)).toEqual([false, true, false, true, true]);
      expect(answers.map((a) => [a.post.community_id, a.post.object_uri])).toEqual(asked.map((p) => [p.communityId, p.objectUri]));
      expect(answers[2].post.id).toBe(answers[1].post.id);
      // One INSERT, then a read of each post it did not insert (post 1, held
      // before the turn; post 2's second asking), as alone.
      expect(statements).toBe(3);
      const held = await repos.posts.findByObject(note(3));
      expect(held.map((p) => p.community_id).sort()).toEqual([communityId, otherId].sort());
      expect((await repos.posts.findByObject(note(2)))).toHaveLength(1);
    });

    it("keeps a reply, asked with top-level posts, in its parent's thread", async () => {
      const [reply, top] = await Promise.all([
        repos.posts.insertIfAbsent(newPost(10, communityId, note(1))),
        repos.posts.insertIfAbsent(newPost(11)),
      ]);
      expect(reply).toMatchObject({ inserted: true, post: { thread_uri: note(1), in_reply_to: note(1) } });
      expect(top).toMatchObject({ inserted: true, post: { thread_uri: null } });
    });

    it("claims the ids of posts relayed together, each caller getting the ids claimed first", async () => {
      const claims = (n: number, run: string) => [
        { sourceUri: `${note(n)}/activity`, kind: "announce", activityUri: `https://praxis.example/activities/${n}-a-${run}`, json: { n } },
        { sourceUri: note(n), kind: "boost", activityUri: `https://praxis.example/activities/${n}-b-${run}` },
      ];
      await repos.activities.claimMany(communityId, claims(1, "earlier"));
      statements = 0;
      const [first, second, again, elsewhere] = await Promise.all([
        repos.activities.claimMany(communityId, claims(1, "now")),
        repos.activities.claimMany(communityId, claims(2, "now")),
        repos.activities.claimMany(communityId, claims(2, "again")),
        repos.activities.claimMany(otherId, claims(2, "elsewhere")),
      ]);
      expect(first).toEqual([
        { activityUri: "https://praxis.example/activities/1-a-earlier", created: false },
        { activityUri: "https://praxis.example/activities/1-b-earlier", created: false },
      ]);
      expect(second).toEqual(claims(2, "now").map((c) => ({ activityUri: c.activityUri, created: true })));
      expect(again).toEqual(claims(2, "now").map((c) => ({ activityUri: c.activityUri, created: false })));
      expect(elsewhere).toEqual(claims(2, "elsewhere").map((c) => ({ activityUri: c.activityUri, created: true })));
      // One INSERT, then a read for each of the four claimed before.
      expect(statements).toBe(5);
      expect((await repos.activities.getByUri("https://praxis.example/activities/2-a-now"))?.json).toEqual({ n: 2 });
    });
  });
}
