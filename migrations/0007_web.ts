// The web: console sessions, what thread pages and feeds need on posts
// (attachments, language, the thread a reply belongs to, last activity),
// reactions for like counts, and a community's rules.
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  // Console sign-ins. The id is the SHA-256 of the cookie's random token, so
  // the database never holds a usable session token.
  await db.schema
    .createTable("console_sessions")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("account_id", "text", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    // Sent back in every console form (synchronizer token).
    .addColumn("csrf_token", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("last_seen_at", "text", (c) => c.notNull())
    .addColumn("expires_at", "text", (c) => c.notNull())
    .addColumn("client_address", "text")
    .execute();
  await db.schema.createIndex("console_sessions_account_idx").on("console_sessions").column("account_id").execute();
  await db.schema.createIndex("console_sessions_expiry_idx").on("console_sessions").column("expires_at").execute();

  for (const table of ["posts", "network_posts"]) {
    // JSON array of { kind, url, mediaType, description, width, height }.
    await db.schema.alterTable(table).addColumn("attachments", "text", (c) => c.notNull().defaultTo("[]")).execute();
    // BCP 47 tag of the content (contentMap), when the post says.
    await db.schema.alterTable(table).addColumn("language", "text").execute();
  }
  // A reply stored in the same community: the object it hangs under (its
  // thread's first post). Null for a thread's first post, or a reply whose
  // parent is not here; those are what the community page lists.
  await db.schema.alterTable("posts").addColumn("thread_uri", "text").execute();
  // The newest reply in the thread, or the post itself: the "active" sort.
  await db.schema.alterTable("posts").addColumn("last_activity_at", "text").execute();
  await sql`update posts set last_activity_at = received_at`.execute(db);
  await sql`update posts set thread_uri = in_reply_to where in_reply_to is not null and exists (
    select 1 from posts parent where parent.community_id = posts.community_id and parent.object_uri = posts.in_reply_to)`.execute(db);
  await db.schema.createIndex("posts_listing_idx").on("posts").columns(["community_id", "received_at", "id"]).execute();
  await db.schema.createIndex("posts_reply_idx").on("posts").columns(["community_id", "in_reply_to"]).execute();

  // Likes (and Lemmy's dislikes) relayed by a community, for the counts on
  // thread pages. One per actor, object and kind.
  await db.schema
    .createTable("post_reactions")
    .addColumn("community_id", "text", (c) => c.notNull().references("communities.id").onDelete("cascade"))
    .addColumn("object_uri", "text", (c) => c.notNull())
    .addColumn("actor_uri", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("activity_uri", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("post_reactions_pk", ["community_id", "object_uri", "actor_uri", "kind"])
    .execute();
  await db.schema.createIndex("post_reactions_activity_idx").on("post_reactions").column("activity_uri").execute();

  // Plain text, one rule per line, shown on the community page.
  await db.schema.alterTable("communities").addColumn("rules", "text", (c) => c.notNull().defaultTo("")).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("communities").dropColumn("rules").execute();
  await db.schema.dropTable("post_reactions").execute();
  await db.schema.dropIndex("posts_reply_idx").execute();
  await db.schema.dropIndex("posts_listing_idx").execute();
  await db.schema.alterTable("posts").dropColumn("last_activity_at").execute();
  await db.schema.alterTable("posts").dropColumn("thread_uri").execute();
  for (const table of ["posts", "network_posts"]) {
    await db.schema.alterTable(table).dropColumn("language").execute();
    await db.schema.alterTable(table).dropColumn("attachments").execute();
  }
  await db.schema.dropTable("console_sessions").execute();
}
