// The actor dispatcher: one Group per community, the instance-wide
// Application actor and the moderation Service. Fedify allows a single actor
// dispatcher, so all share the /c/{identifier} template; the two service
// actors are aliased to /actor and /actor/moderation, their inbox is the
// shared inbox and their outboxes are served by the web layer, so nothing of
// theirs lives under /c/ (the web layer answers 404 there). Their WebFinger
// handles agree with their preferredUsername, a round trip Mastodon checks
// before it trusts an actor: acct:HOSTNAME@HOST is the instance actor.
import type { Federation, RequestContext } from "@fedify/fedify";
import { Application, Endpoints, Group, PropertyValue, Tombstone } from "@fedify/vocab";
import { instant } from "./time.ts";
import type { CommunityRepository } from "../db/repositories/communities.ts";
import { INSTANCE_KEY_OWNER } from "../db/repositories/keys.ts";
import type { Community } from "../domain/community.ts";
import type { AppServices } from "../services.ts";
import { INSTANCE_ACTOR } from "./addressing.ts";
import { loadKeyPairs } from "./keys.ts";
import { buildModerationActor, MODERATION_ACTOR, MODERATION_ACTOR_PATH, MODERATION_KEY_OWNER } from "./moderation.ts";
import { escapeHtml, textToHtml } from "./text.ts";
import { publicOrigin } from "./origin.ts";

export const ACTOR_PATH = "/c/{identifier}";
export const INSTANCE_ACTOR_PATH = "/actor";
/** The instance actor's outbox (served by the web layer, empty). */
export const INSTANCE_OUTBOX_PATH = "/actor/outbox";

/** The instance actor's preferredUsername, as Mastodon names its own: the host name. */
export function instanceActorUsername(ctx: { data: AppServices }): string {
  return new URL(ctx.data.config.origin).hostname;
}

/**
 * The actor a WebFinger user part names, case-insensitively (handles are
 * case-insensitive; slugs are lower case): the instance actor for its host
 * name, else the community or service actor of that identifier.
 */
export function identifierOfHandle(ctx: { data: AppServices }, username: string): string {
  const u = username.toLowerCase();
  return u === instanceActorUsername(ctx).toLowerCase() ? INSTANCE_ACTOR : u;
}

const SCALE_LABELS: Record<string, string> = {
  local: "Local", regional: "Regional", national: "National", international: "International",
};
const STREAM_LABELS: Record<string, string> = { learn: "Learn", share: "Share", build: "Build" };

export interface ParentLink {
  uri: string;
  name: string;
}

/** The parents a community is verifiably part of, for its "Part of" profile field. */
export async function partOf(ctx: { data: AppServices }, community: Community): Promise<ParentLink[]> {
  const { repos } = ctx.data;
  const out: ParentLink[] = [];
  for (const link of await repos.links.list(community.id, { statuses: ["active"], relation: "parent" })) {
    const node = await repos.networkNodes.get(link.peer_uri);
    let name = node?.name ?? null;
    if (!name && new URL(link.peer_uri).origin === new URL(ctx.data.config.origin).origin) {
      const slug = decodeURIComponent(new URL(link.peer_uri).pathname.split("/").pop() ?? "");
      name = (await repos.communities.findBySlug(slug))?.name ?? null;
    }
    out.push({ uri: link.peer_uri, name: name ?? new URL(link.peer_uri).host });
  }
  return out;
}

/** Profile fields Mastodon shows on the Group's profile. */
export function profileFields(community: Community, parents: ParentLink[] = []): PropertyValue[] {
  const fields = [new PropertyValue({ name: "Scale", value: escapeHtml(SCALE_LABELS[community.scale] ?? community.scale) })];
  if (community.stream) {
    fields.push(new PropertyValue({ name: "Stream", value: escapeHtml(STREAM_LABELS[community.stream] ?? community.stream) }));
  }
  if (community.languages.length > 0) {
    fields.push(new PropertyValue({ name: "Languages", value: escapeHtml(community.languages.join(", ")) }));
  }
  if (parents.length > 0) {
    fields.push(new PropertyValue({
      name: "Part of",
      value: parents.map((p) => `<a href="${escapeHtml(p.uri)}" rel="nofollow noopener">${escapeHtml(p.name)}</a>`).join(", "),
    }));
  }
  fields.push(new PropertyValue({
    name: "Membership",
    value: community.closed ? "Closed: a moderator approves each request" : "Open: follow to join",
  }));
  return fields;
}

export function buildGroup(
  ctx: RequestContext<AppServices> | import("@fedify/fedify").Context<AppServices>,
  community: Community,
  keys: Awaited<ReturnType<RequestContext<AppServices>["getActorKeyPairs"]>>,
  parents: ParentLink[] = [],
): Group {
  const identifier = community.slug;
  const id = ctx.getActorUri(identifier);
  return new Group({
    id,
    preferredUsername: identifier,
    name: community.name,
    summary: textToHtml(community.summary),
    url: id,
    published: instant(community.createdAt),
    updated: instant(community.updatedAt),
    inbox: ctx.getInboxUri(identifier),
    outbox: ctx.getOutboxUri(identifier),
    followers: ctx.getFollowersUri(identifier),
    following: ctx.getFollowingUri(identifier),
    featured: ctx.getFeaturedUri(identifier),
    // Lemmy, Mbin, PieFed and NodeBB read the moderators from attributedTo.
    attribution: ctx.getCollectionUri("moderators", { identifier }),
    endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
    publicKey: keys[0]?.cryptographicKey,
    assertionMethods: keys.map((k) => k.multikey),
    manuallyApprovesFollowers: community.closed,
    discoverable: true,
    indexable: true,
    attachments: profileFields(community, parents),
  });
}

export function registerActors(federation: Federation<AppServices>): void {
  federation
    .setActorDispatcher(ACTOR_PATH, async (ctx, identifier) => {
      if (identifier === INSTANCE_ACTOR) {
        const keys = await ctx.getActorKeyPairs(identifier);
        return new Application({
          id: ctx.getActorUri(identifier),
          preferredUsername: instanceActorUsername(ctx),
          name: ctx.data.config.instanceName,
          summary: textToHtml(ctx.data.config.instanceDescription),
          url: new URL("/", publicOrigin(ctx)),
          inbox: ctx.getInboxUri(),
          outbox: new URL(INSTANCE_OUTBOX_PATH, publicOrigin(ctx)),
          endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
          publicKey: keys[0]?.cryptographicKey,
          assertionMethods: keys.map((k) => k.multikey),
          manuallyApprovesFollowers: true,
          discoverable: false,
        });
      }
      if (identifier === MODERATION_ACTOR) return buildModerationActor(ctx, await ctx.getActorKeyPairs(identifier));
      const community = await ctx.data.repos.communities.findBySlug(identifier);
      if (!community) return null;
      if (community.deletedAt) {
        return new Tombstone({ id: ctx.getActorUri(identifier), deleted: instant(community.deletedAt) });
      }
      // An inbox POST: Fedify only checks that the recipient exists, so the
      // whole Group (keys, links, profile) is not built for every delivery.
      if (ctx.request?.method === "POST" && new URL(ctx.request.url).pathname.endsWith("/inbox")) {
        return new Group({ id: ctx.getActorUri(identifier) });
      }
      return buildGroup(ctx, community, await ctx.getActorKeyPairs(identifier), await partOf(ctx, community));
    })
    .mapActorAlias(INSTANCE_ACTOR_PATH, INSTANCE_ACTOR)
    .mapActorAlias(MODERATION_ACTOR_PATH, MODERATION_ACTOR)
    // WebFinger acct:slug@host → the community (the dispatcher 404s unknown
    // ones); acct:HOSTNAME@host → the instance actor.
    .mapHandle((ctx, username) => identifierOfHandle(ctx, username))
    .setKeyPairsDispatcher(async (ctx, identifier) => {
      if (identifier === INSTANCE_ACTOR) return loadKeyPairs(ctx.data.repos.keys, INSTANCE_KEY_OWNER);
      if (identifier === MODERATION_ACTOR) return loadKeyPairs(ctx.data.repos.keys, MODERATION_KEY_OWNER);
      const id = await communityIdOf(ctx.data.repos.communities, identifier);
      if (id === null) return [];
      return loadKeyPairs(ctx.data.repos.keys, id);
    });
}

/**
 * A community's id by its slug, remembered: a slug never changes nor is it
 * reused (a deleted community keeps its row), and Fedify asks for a
 * community's key pairs several times per activity it relays.
 */
const communityIds = new WeakMap<CommunityRepository, Map<string, string>>();
const COMMUNITY_IDS_KEPT = 10_000;

async function communityIdOf(communities: CommunityRepository, slug: string): Promise<string | null> {
  let ids = communityIds.get(communities);
  if (!ids) communityIds.set(communities, ids = new Map());
  const known = ids.get(slug);
  if (known !== undefined) return known;
  const community = await communities.findBySlug(slug);
  if (!community) return null;
  if (ids.size >= COMMUNITY_IDS_KEPT) ids.delete(ids.keys().next().value!);
  ids.set(slug, community.id);
  return community.id;
}
