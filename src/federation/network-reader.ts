// Reads the fractal network across servers. A link counts only when both
// Groups list it, each in a collection fetched from its owner's origin
// (FEP-7888's reverse-claim check): a one-sided claim is never followed.
// Local communities are read from the database; remote Groups are fetched
// without Fedify's document cache, so a verification sees the current state.
import type { Context } from "@fedify/fedify";
import type { DocumentLoader } from "@fedify/vocab";
import { getLogger } from "@logtape/logtape";
import type { Community } from "../domain/community.ts";
import type { NetworkGroup } from "../domain/network.ts";
import type { AppServices } from "../services.ts";
import { INSTANCE_ACTOR, localCommunityOf } from "./addressing.ts";
import { linkCollectionUris } from "./group-extensions.ts";
import { publicOrigin } from "./origin.ts";
import { rememberWorkingGroup } from "./working-group-state.ts";
import { first, idOf, praxisValue, textOf } from "./json-values.ts";

const logger = getLogger(["praxis", "federation", "network"]);

/** Link states a community publishes in its collections (it has agreed to them). */
export const PUBLISHED_STATUSES = ["accepted", "active"] as const;

/** Most items read from one remote link collection; a Group has few links. */
const MAX_COLLECTION_ITEMS = 500;

export interface NetworkNode extends NetworkGroup {
  /** Where the Group publishes its links (null: it does not speak Praxis). */
  parentsCollection: string | null;
  childrenCollection: string | null;
  parents: string[];
  children: string[];
}

export interface TreeNode {
  node: NetworkNode;
  /** Parents (in an ancestors tree) or sub-communities (in a descendants tree). */
  next: TreeNode[];
}

function sameOrigin(url: string | null, origin: string): string | null {
  try {
    return url && new URL(url).origin === origin ? url : null;
  } catch {
    return null;
  }
}

/** Reads the network; remembers what it fetched for the duration of one task. */
export class NetworkReader {
  private readonly ctx: Context<AppServices>;
  private readonly signAs: string;
  private signedLoader: Promise<DocumentLoader> | null = null;
  private readonly nodes = new Map<string, Promise<NetworkNode | null>>();

  private readonly withCounts: boolean;

  /**
   * `signAs`: the community whose key signs the fetches (else the instance
   * actor). `counts`: also fetch remote member counts, which only views need;
   * verification leaves the cached count as it was.
   */
  constructor(ctx: Context<AppServices>, signAs?: string, options: { counts?: boolean } = {}) {
    this.ctx = ctx;
    this.withCounts = options.counts ?? false;
    this.signAs = signAs ?? INSTANCE_ACTOR;
  }

  /**
   * Signed fetches for servers that require authorized fetch; not cached.
   * Made on first use only: it may create the signer's keys, and a reader
   * that only reads local rows (a CLI listing) must leave no database work
   * running after its caller has closed the database.
   */
  private get loader(): Promise<DocumentLoader> {
    return this.signedLoader ??= this.ctx.getDocumentLoader({ identifier: this.signAs });
  }

  /** The local community a URI names, if any. */
  localCommunity(uri: string): Promise<Community | null> {
    return localCommunityOf(this.ctx, uri);
  }

  node(uri: string): Promise<NetworkNode | null> {
    let n = this.nodes.get(uri);
    if (!n) {
      n = this.load(uri).catch((e) => {
        logger.info("Could not read Group {uri}: {error}", { uri, error: (e as Error).message });
        return null;
      });
      this.nodes.set(uri, n);
    }
    return n;
  }

  private async load(uri: string): Promise<NetworkNode | null> {
    const local = await this.localCommunity(uri);
    if (local) return this.localNode(uri, local);
    const origin = new URL(uri).origin;
    if (origin === publicOrigin(this.ctx)) return null;
    const doc = await this.fetchJson(uri);
    if (!doc || idOf(doc) !== uri || first(doc.type) !== "Group") return null;
    // A working group's goal, end date and archived state, from the same document.
    await rememberWorkingGroup(this.ctx, uri, doc);
    const parentsCollection = sameOrigin(idOf(first(praxisValue(doc, "parentCommunities"))), origin);
    const childrenCollection = sameOrigin(idOf(first(praxisValue(doc, "subcommunities"))), origin);
    const parents = await this.readCollection(parentsCollection);
    const children = await this.readCollection(childrenCollection);
    const username = textOf(doc.preferredUsername);
    let members: number | null = (await this.ctx.data.repos.networkNodes.get(uri))?.members ?? null;
    const followers = idOf(doc.followers);
    if (this.withCounts && followers && new URL(followers).origin === origin) {
      const f = await this.fetchJson(followers).catch(() => null);
      members = typeof f?.totalItems === "number" ? f.totalItems : null;
    }
    const node: NetworkNode = {
      uri,
      local: false,
      name: textOf(doc.name) ?? username,
      handle: username ? `@${username}@${new URL(uri).host}` : null,
      url: idOf(first(doc.url)) ?? uri,
      scale: textOf(praxisValue(doc, "scale")),
      closed: first(doc.manuallyApprovesFollowers) === true,
      members,
      parentsCollection,
      childrenCollection,
      parents,
      children,
    };
    await this.ctx.data.repos.networkNodes.put(node);
    return node;
  }

  private async localNode(uri: string, community: Community): Promise<NetworkNode> {
    const { repos } = this.ctx.data;
    const links = await repos.links.list(community.id, { statuses: [...PUBLISHED_STATUSES] });
    const collections = linkCollectionUris(publicOrigin(this.ctx), community.slug);
    return {
      uri,
      local: true,
      name: community.name,
      handle: `@${community.slug}@${new URL(publicOrigin(this.ctx)).host}`,
      url: uri,
      scale: community.scale,
      closed: community.closed,
      members: await repos.memberships.count(community.id, "accepted"),
      parentsCollection: collections.parents,
      childrenCollection: collections.children,
      parents: links.filter((l) => l.relation === "parent").map((l) => l.peer_uri),
      children: links.filter((l) => l.relation === "child").map((l) => l.peer_uri),
    };
  }

  private async fetchJson(url: string): Promise<Record<string, any> | null> {
    const loader = await this.loader;
    const { document } = await loader(url);
    return document && typeof document === "object" ? document as Record<string, any> : null;
  }

  /** The ids a collection (or its pages) lists; only from the owner's origin. */
  private async readCollection(id: string | null): Promise<string[]> {
    if (!id) return [];
    const origin = new URL(id).origin;
    const out: string[] = [];
    let page: Record<string, any> | null = await this.fetchJson(id);
    const seen = new Set<string>();
    while (page && out.length < MAX_COLLECTION_ITEMS) {
      const items = page.orderedItems ?? page.items ?? [];
      for (const item of Array.isArray(items) ? items : [items]) {
        const itemId = idOf(item);
        if (itemId) out.push(itemId);
      }
      const nextRef = idOf(page.first) ?? idOf(page.next);
      if (!nextRef || seen.has(nextRef) || new URL(nextRef).origin !== origin) break;
      seen.add(nextRef);
      page = typeof page.first === "object" && page.first !== null && idOf(page.first) === nextRef && (page.first.orderedItems || page.first.items)
        ? page.first : await this.fetchJson(nextRef);
    }
    return out;
  }

  /** Whether `child` and `parent` both list each other. */
  async linked(parent: string, child: string): Promise<boolean> {
    const [p, c] = await Promise.all([this.node(parent), this.node(child)]);
    return !!p && !!c && p.children.includes(child) && c.parents.includes(parent);
  }

  async verifiedParents(uri: string): Promise<string[]> {
    const n = await this.node(uri);
    if (!n) return [];
    const out: string[] = [];
    for (const p of n.parents) if (await this.linked(p, uri)) out.push(p);
    return out;
  }

  async verifiedChildren(uri: string): Promise<string[]> {
    const n = await this.node(uri);
    if (!n) return [];
    const out: string[] = [];
    for (const c of n.children) if (await this.linked(uri, c)) out.push(c);
    return out;
  }

  /**
   * Every verified ancestor of `uri`, and the number of links in the longest
   * chain above it. Stops `limit` levels up, which the depth cap makes enough.
   */
  async ancestors(uri: string, limit: number): Promise<{ all: Set<string>; height: number }> {
    const all = new Set<string>();
    const height = async (u: string, budget: number, path: Set<string>): Promise<number> => {
      if (budget <= 0) return 0;
      let best = 0;
      for (const p of await this.verifiedParents(u)) {
        all.add(p);
        if (path.has(p)) continue; // a cycle someone else made: do not loop on it
        best = Math.max(best, 1 + await height(p, budget - 1, new Set([...path, p])));
      }
      return best;
    };
    return { all, height: await height(uri, limit, new Set([uri])) };
  }

  /** The number of links in the longest verified chain below `uri`. */
  async depthBelow(uri: string, limit: number): Promise<number> {
    const depth = async (u: string, budget: number, path: Set<string>): Promise<number> => {
      if (budget <= 0) return 0;
      let best = 0;
      for (const c of await this.verifiedChildren(u)) {
        if (path.has(c)) continue;
        best = Math.max(best, 1 + await depth(c, budget - 1, new Set([...path, c])));
      }
      return best;
    };
    return depth(uri, limit, new Set([uri]));
  }

  /** Ancestors (upwards) or descendants (downwards) of `uri` as a tree of verified links. */
  async tree(uri: string, direction: "up" | "down", limit: number, path: Set<string> = new Set([uri])): Promise<TreeNode[]> {
    if (limit <= 0) return [];
    const next = direction === "up" ? await this.verifiedParents(uri) : await this.verifiedChildren(uri);
    const out: TreeNode[] = [];
    for (const u of next) {
      if (path.has(u)) continue;
      const node = await this.node(u);
      if (!node) continue;
      out.push({ node, next: await this.tree(u, direction, limit - 1, new Set([...path, u])) });
    }
    return out;
  }
}
