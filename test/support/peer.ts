// A small, independent Fedify server standing in for a Mastodon instance:
// Person actors with their own keys, a shared inbox that records what
// arrives, and helpers to follow, post, like, edit and delete over real
// signed HTTP.
import { createFederation, type Federation, MemoryKvStore } from "@fedify/fedify";
import {
  Activity, Create, Delete, Endpoints, Follow, Hashtag, Like, Mention, Note, Person, PUBLIC_COLLECTION, type Recipient,
  Tombstone, Undo, Update,
} from "@fedify/vocab";
import { serve, type ServerType } from "@hono/node-server";
import { Temporal } from "@js-temporal/polyfill";
import { freePort } from "./net.ts";

export interface Received {
  /** The user inbox it was posted to, or null for the shared inbox. */
  recipient: string | null;
  type: string;
  id: string | null;
  actor: string | null;
  json: any;
}

export type Visibility = "public" | "unlisted" | "followers" | "direct";

export interface PostOptions {
  content: string;
  /** Communities or people to address and mention. */
  mention?: string[];
  visibility?: Visibility;
  inReplyTo?: string;
  audience?: string;
  /** Hashtags, without "#". */
  hashtags?: string[];
  /** Deliver to these actors' inboxes (defaults to the mentioned ones). */
  deliverTo?: string[];
}

export interface Peer {
  origin: string;
  federation: Federation<void>;
  received: Received[];
  /** The path and query of every GET the peer answered, in order. */
  gets: string[];
  /** The same GETs with the key that signed each (its keyId), or null when unsigned. */
  signedGets: { path: string; keyId: string | null }[];
  userUri(name: string): string;
  follow(user: string, target: string): Promise<string>;
  undoFollow(user: string, target: string, followId: string): Promise<void>;
  post(user: string, options: PostOptions): Promise<{ noteId: string; createId: string }>;
  update(user: string, noteId: string, content: string, deliverTo: string[]): Promise<string>;
  remove(user: string, noteId: string, deliverTo: string[]): Promise<string>;
  like(user: string, objectId: string, deliverTo: string[]): Promise<string>;
  undoLike(user: string, likeId: string, objectId: string, deliverTo: string[]): Promise<string>;
  /**
   * Sends an arbitrary activity signed by `user` to `deliverTo` (to their
   * shared inboxes with `sharedInbox`, as Mastodon sends reports).
   */
  send(user: string, activity: Activity, deliverTo: string[], options?: { sharedInbox?: boolean }): Promise<void>;
  /** Sends an activity sent before once more (as a retrying server would). */
  redeliver(user: string, activityId: string, deliverTo: string[]): Promise<void>;
  receivedOf(type: string, filter?: (r: Received) => boolean): Received[];
  stop(): Promise<void>;
}

const toTemporal = (d = new Date()) => Temporal.Instant.from(d.toISOString()) as unknown as globalThis.Temporal.Instant;

export interface PeerOptions {
  users?: string[];
  sharedInbox?: boolean;
  inboxDelayMs?: number;
  /**
   * The loopback address the peer listens on and names itself by. Any
   * 127.x.y.z works on Linux, so tests get peers on distinct hosts
   * (domain blocks, per-host rate limits). Default 127.0.0.1.
   */
  hostname?: string;
  /** The HTTP signature format tried first (Fedify's default is RFC 9421; Mastodon signs draft-cavage). */
  firstKnock?: "draft-cavage-http-signatures-12" | "rfc9421";
}

export async function startPeer(options: PeerOptions = {}): Promise<Peer> {
  const hostname = options.hostname ?? "127.0.0.1";
  const port = await freePort(hostname);
  const origin = `http://${hostname}:${port}`;
  const users = new Set(options.users ?? ["alice", "bob", "carol"]);
  const useSharedInbox = options.sharedInbox ?? true;
  const keys = new Map<string, CryptoKeyPair>();
  for (const u of users) {
    // 2048-bit keys like Mastodon's; Fedify's default 4096 would slow tests.
    const pair = await crypto.subtle.generateKey(
      { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
      true, ["sign", "verify"]) as CryptoKeyPair;
    keys.set(u, pair);
  }
  const notes = new Map<string, Note>();
  const received: Received[] = [];
  const gets: string[] = [];
  const signedGets: { path: string; keyId: string | null }[] = [];
  const federation = createFederation<void>({
    kv: new MemoryKvStore(), allowPrivateAddress: true, origin, ...(options.firstKnock ? { firstKnock: options.firstKnock } : {}),
  });

  federation.setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    if (!users.has(identifier)) return null;
    const pairs = await ctx.getActorKeyPairs(identifier);
    return new Person({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: identifier[0].toUpperCase() + identifier.slice(1),
      inbox: ctx.getInboxUri(identifier),
      followers: ctx.getFollowersUri(identifier),
      endpoints: useSharedInbox ? new Endpoints({ sharedInbox: ctx.getInboxUri() }) : null,
      publicKey: pairs[0].cryptographicKey,
    });
  }).setKeyPairsDispatcher((_ctx, identifier) => (keys.has(identifier) ? [keys.get(identifier)!] : []));
  federation.setFollowersDispatcher("/users/{identifier}/followers", () => ({ items: [] }));
  federation.setObjectDispatcher(Note, "/users/{identifier}/notes/{id}", (ctx, values) =>
    notes.get(ctx.getObjectUri(Note, values).href) ?? null);

  // The JSON exactly as it arrived, by activity id, so tests check the wire
  // format rather than Fedify's re-serialisation.
  const rawById = new Map<string, unknown>();
  const record = async (ctx: { recipient: string | null }, activity: Activity) => {
    received.push({
      recipient: ctx.recipient,
      type: activity.constructor.name,
      id: activity.id?.href ?? null,
      actor: activity.actorId?.href ?? null,
      json: (activity.id && rawById.get(activity.id.href)) ?? await activity.toJsonLd({ format: "compact" }),
    });
  };
  federation.setInboxListeners("/users/{identifier}/inbox", "/inbox").on(Activity, record);

  const server: ServerType = await new Promise((resolve) => {
    const handle = async (req: Request) => {
      if (req.method === "POST") {
        if (options.inboxDelayMs) await new Promise((r) => setTimeout(r, options.inboxDelayMs));
        const raw = await req.clone().json().catch(() => null) as { id?: string; type?: string; actor?: string } | null;
        if (raw?.id) rawById.set(raw.id, raw);
        // What Praxis sends must parse as it is: no leniency here (Lemmy's
        // Lock included), as on any Fedify server.
        return federation.fetch(req, { contextData: undefined });
      }
      if (req.method === "GET") {
        const url = new URL(req.url);
        gets.push(url.pathname + url.search);
        // draft-cavage `keyId="…"` or RFC 9421 `keyid="…"`.
        const keyId = /keyid="([^"]+)"/i.exec(req.headers.get("signature-input") ?? req.headers.get("signature") ?? "")?.[1] ?? null;
        signedGets.push({ path: url.pathname + url.search, keyId });
      }
      return federation.fetch(req, { contextData: undefined });
    };
    const s = serve({ fetch: handle, hostname, port }, () => resolve(s));
  });
  const ctx = federation.createContext(new URL(origin), undefined);

  async function recipients(uris: string[]): Promise<Recipient[]> {
    const out: Recipient[] = [];
    for (const uri of uris) {
      const actor = await ctx.lookupObject(uri);
      if (!actor || !("inboxId" in actor)) throw new Error(`Cannot resolve ${uri} to an actor`);
      out.push(actor as unknown as Recipient);
    }
    return out;
  }
  const sent = new Map<string, Activity>();
  async function send(user: string, activity: Activity, deliverTo: string[], o: { sharedInbox?: boolean } = {}) {
    if (activity.id) sent.set(activity.id.href, activity);
    await ctx.sendActivity({ identifier: user }, await recipients(deliverTo), activity, { immediate: true, preferSharedInbox: !!o.sharedInbox });
  }
  const userUri = (name: string) => ctx.getActorUri(name).href;
  const newId = (user: string, kind: string) => new URL(`/users/${user}/${kind}/${crypto.randomUUID()}`, origin);

  return {
    origin,
    federation,
    received,
    gets,
    signedGets,
    userUri,
    async follow(user, target) {
      const follow = new Follow({ id: newId(user, "follows"), actor: new URL(userUri(user)), object: new URL(target) });
      await send(user, follow, [target]);
      return follow.id!.href;
    },
    async undoFollow(user, target, followId) {
      const undo = new Undo({
        id: newId(user, "undos"), actor: new URL(userUri(user)),
        object: new Follow({ id: new URL(followId), actor: new URL(userUri(user)), object: new URL(target) }),
      });
      await send(user, undo, [target]);
    },
    async post(user, o) {
      const actor = new URL(userUri(user));
      const followers = ctx.getFollowersUri(user);
      const mentions = (o.mention ?? []).map((m) => new URL(m));
      const visibility = o.visibility ?? "public";
      const to = visibility === "public" ? [PUBLIC_COLLECTION, ...mentions]
        : visibility === "unlisted" ? [followers, ...mentions]
        : visibility === "followers" ? [followers] : mentions;
      const cc = visibility === "public" ? [followers] : visibility === "unlisted" ? [PUBLIC_COLLECTION]
        : visibility === "followers" ? mentions : [];
      const noteId = ctx.getObjectUri(Note, { identifier: user, id: crypto.randomUUID() });
      const published = toTemporal();
      const note = new Note({
        id: noteId,
        attribution: actor,
        content: o.content,
        published,
        tos: to,
        ccs: cc,
        tags: [
          ...mentions.map((href) => new Mention({ href, name: href.pathname })),
          ...(o.hashtags ?? []).map((tag) => new Hashtag({ name: `#${tag}`, href: new URL(`/tags/${tag}`, origin) })),
        ],
        replyTarget: o.inReplyTo ? new URL(o.inReplyTo) : null,
        audience: o.audience ? new URL(o.audience) : null,
        url: noteId,
      });
      notes.set(noteId.href, note);
      const create = new Create({ id: new URL(`${noteId.href}/activity`), actor, object: note, tos: to, ccs: cc, published });
      await send(user, create, o.deliverTo ?? o.mention ?? []);
      return { noteId: noteId.href, createId: create.id!.href };
    },
    async update(user, noteId, content, deliverTo) {
      const old = notes.get(noteId)!;
      const note = old.clone({ content, updated: toTemporal() });
      notes.set(noteId, note);
      const update = new Update({ id: newId(user, "updates"), actor: new URL(userUri(user)), object: note, tos: old.toIds, ccs: old.ccIds });
      await send(user, update, deliverTo);
      return update.id!.href;
    },
    async remove(user, noteId, deliverTo) {
      const old = notes.get(noteId)!;
      notes.delete(noteId);
      const del = new Delete({
        id: newId(user, "deletes"), actor: new URL(userUri(user)),
        object: new Tombstone({ id: new URL(noteId) }), tos: old.toIds, ccs: old.ccIds,
      });
      await send(user, del, deliverTo);
      return del.id!.href;
    },
    async like(user, objectId, deliverTo) {
      const like = new Like({ id: newId(user, "likes"), actor: new URL(userUri(user)), object: new URL(objectId) });
      await send(user, like, deliverTo);
      return like.id!.href;
    },
    async undoLike(user, likeId, objectId, deliverTo) {
      const undo = new Undo({
        id: newId(user, "undos"), actor: new URL(userUri(user)),
        object: new Like({ id: new URL(likeId), actor: new URL(userUri(user)), object: new URL(objectId) }),
      });
      await send(user, undo, deliverTo);
      return undo.id!.href;
    },
    send,
    async redeliver(user, activityId, deliverTo) {
      const activity = sent.get(activityId);
      if (!activity) throw new Error(`Nothing was sent with id ${activityId}`);
      await send(user, activity, deliverTo);
    },
    receivedOf(type, filter) {
      return received.filter((r) => r.type === type && (!filter || filter(r)));
    },
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
    },
  };
}
