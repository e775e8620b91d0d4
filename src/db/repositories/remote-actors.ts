import type { Kysely } from "kysely";
import type { Database, RemoteActorRow } from "../schema.ts";

export interface RemoteActorInput {
  uri: string;
  handle: string | null;
  type: string;
  name: string | null;
  inbox: string | null;
  sharedInbox: string | null;
  url: string | null;
  iconUrl: string | null;
}

/** A cache of the remote actors Praxis deals with (members, authors). */
export class RemoteActorRepository {
  private readonly db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.db = db;
  }

  async upsert(a: RemoteActorInput): Promise<void> {
    const values = {
      uri: a.uri, handle: a.handle, type: a.type, name: a.name, inbox: a.inbox,
      shared_inbox: a.sharedInbox, url: a.url, icon_url: a.iconUrl, fetched_at: new Date().toISOString(),
    };
    await this.db.insertInto("remote_actors").values(values)
      .onConflict((oc) => oc.column("uri").doUpdateSet({ ...values, uri: undefined } as never)).execute();
  }

  async get(uri: string): Promise<RemoteActorRow | null> {
    return (await this.db.selectFrom("remote_actors").selectAll().where("uri", "=", uri).executeTakeFirst()) ?? null;
  }

  /** Finds an actor by `@user@host` or `user@host`. */
  async findByHandle(handle: string): Promise<RemoteActorRow | null> {
    const normalized = handle.startsWith("@") ? handle : `@${handle}`;
    return (await this.db.selectFrom("remote_actors").selectAll()
      .where("handle", "=", normalized).executeTakeFirst()) ?? null;
  }

  async getMany(uris: string[]): Promise<Map<string, RemoteActorRow>> {
    if (uris.length === 0) return new Map();
    const rows = await this.db.selectFrom("remote_actors").selectAll().where("uri", "in", uris).execute();
    return new Map(rows.map((r) => [r.uri, r]));
  }
}
