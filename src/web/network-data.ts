// Reads a community's network for its page from this server's database only:
// its active links, local peers, and the cache of remote Groups. Pages never
// fetch remote servers while a reader waits; stale or missing cache entries
// are refreshed in the background, for the next view.
import type { Federation } from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";
import type { NetworkNodeRow } from "../db/schema.ts";
import type { Community } from "../domain/community.ts";
import { localCommunityOf } from "../federation/addressing.ts";
import { NetworkReader } from "../federation/network-reader.ts";
import type { AppServices } from "../services.ts";
import { buildNetworkGraph, collectGroups, type KnownGroup, type NetworkGraph } from "./network-graph.ts";

const logger = getLogger(["praxis", "web", "network"]);

/** How long before asking again for the member count of a Group that gave none. */
const UNCOUNTED_RETRY_MS = 60_000;

/** Most remote Groups one page view asks to refresh. */
const MAX_REFRESHES_PER_VIEW = 20;

function jsonList(text: string): string[] {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
  } catch {
    return [];
  }
}

export function groupFromCache(row: NetworkNodeRow): KnownGroup {
  return {
    uri: row.uri,
    local: false,
    name: row.name,
    handle: row.handle,
    url: row.url,
    scale: row.scale,
    closed: row.closed === 1,
    members: row.members,
    parents: jsonList(row.parents),
    children: jsonList(row.children),
    fetchedAt: row.fetched_at,
  };
}

export class NetworkData {
  private readonly federation: Federation<AppServices>;
  private readonly services: AppServices;
  /** When a member count was last asked of a Group that had none. */
  private readonly countTried = new Map<string, number>();
  /** Remote Groups being refreshed now, so concurrent views ask once. */
  private readonly refreshing = new Set<string>();

  constructor(federation: Federation<AppServices>, services: AppServices) {
    this.federation = federation;
    this.services = services;
  }

  private context() {
    return this.federation.createContext(new URL(this.services.config.origin), this.services);
  }

  uriOf(community: Community): string {
    return this.context().getActorUri(community.slug).href;
  }

  /** The local community a URI names, if any (and not deleted). */
  localCommunity(uri: string): Promise<Community | null> {
    return localCommunityOf(this.context(), uri);
  }

  /** A local community with its active (verified) links. */
  async localGroup(community: Community): Promise<KnownGroup> {
    const { repos } = this.services;
    const links = await repos.links.list(community.id, { statuses: ["active"] });
    const uri = this.uriOf(community);
    return {
      uri,
      local: true,
      name: community.name,
      handle: `@${community.slug}@${new URL(this.services.config.origin).host}`,
      url: uri,
      scale: community.scale,
      closed: community.closed,
      members: await repos.memberships.count(community.id),
      parents: links.filter((l) => l.relation === "parent").map((l) => l.peer_uri),
      children: links.filter((l) => l.relation === "child").map((l) => l.peer_uri),
      fetchedAt: null,
    };
  }

  /** A Group from the database: a local community, else the remote cache. */
  async group(uri: string): Promise<KnownGroup | null> {
    const local = await this.localCommunity(uri);
    if (local) return this.localGroup(local);
    const row = await this.services.repos.networkNodes.get(uri);
    return row ? groupFromCache(row) : null;
  }

  /** The community's verified network; starts refreshing what is stale. */
  async graph(community: Community): Promise<{ graph: NetworkGraph; groups: Map<string, KnownGroup> }> {
    const { config } = this.services;
    const center = await this.localGroup(community);
    const groups = await collectGroups(center, (uri) => this.group(uri), config.network.maxDepth);
    const graph = buildNetworkGraph({
      center, groups, maxDepth: config.network.maxDepth, now: new Date(), cacheSeconds: config.network.cacheSeconds,
    });
    // Member counts are shown for every community: fetch those not known yet
    // (at most once a minute each, for Groups that do not publish one).
    const now = Date.now();
    const uncounted = graph.nodes.flatMap((n) => (n.group && !n.group.local && n.group.members === null
      && now - (this.countTried.get(n.uri) ?? 0) > UNCOUNTED_RETRY_MS ? [n.uri] : []));
    if (this.countTried.size > 10_000) this.countTried.clear();
    for (const uri of uncounted) this.countTried.set(uri, now);
    this.refreshLater([...new Set([...graph.stale, ...uncounted])]);
    return { graph, groups };
  }

  /** Refetches remote Groups after the response is sent; never awaited. */
  refreshLater(uris: readonly string[]): void {
    const todo = uris.filter((u) => !this.refreshing.has(u)).slice(0, MAX_REFRESHES_PER_VIEW);
    if (todo.length === 0) return;
    for (const u of todo) this.refreshing.add(u);
    setImmediate(() => {
      const reader = new NetworkReader(this.context(), undefined, { counts: true });
      for (const uri of todo) {
        reader.node(uri)
          .catch((error) => logger.warn("Could not refresh Group {uri}: {error}", { uri, error }))
          .finally(() => this.refreshing.delete(uri));
      }
    });
  }
}
