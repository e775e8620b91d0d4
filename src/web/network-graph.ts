// A community's place in the fractal network, built from what this server
// already knows: its own active links for the first level, and for deeper
// levels the cached claims of the Groups themselves. A deeper edge counts
// only when both ends list it (the parent among the child's parents and the
// child among the parent's children), so a one-sided, possibly forged, claim
// is never drawn. No I/O here except through the loader `collectGroups` is
// given, so the rules are unit tested on plain data.

import type { NetworkGroup } from "../domain/network.ts";

/**
 * A Group as this server knows it: a local community (parents and children
 * are its active links), or a remote Group's cached copy (what its own
 * collections claimed when cached).
 */
export interface KnownGroup extends NetworkGroup {
  /** When the remote copy was cached; null for local communities. */
  fetchedAt: string | null;
}

export interface GraphNode {
  uri: string;
  /** Null when nothing is cached about it yet (only possible next to the centre). */
  group: KnownGroup | null;
  /** Row: negative above the centre (ancestors), 0 the centre, positive below. */
  level: number;
  /** Position in its row, from 0. */
  index: number;
}

export interface GraphEdge {
  parent: string;
  child: string;
}

/** The same graph as nested lists, for screen readers and narrow screens. */
export interface TreeItem {
  uri: string;
  group: KnownGroup | null;
  /** Parents (above) or sub-communities (below). */
  next: TreeItem[];
  /** Already listed elsewhere in the same tree (a diamond): not expanded again. */
  repeated: boolean;
}

export interface NetworkGraph {
  center: string;
  /** Every node once, ordered by level then index. */
  nodes: GraphNode[];
  edges: GraphEdge[];
  ancestors: TreeItem[];
  descendants: TreeItem[];
  /** Remote Groups whose cached copy is missing or older than the cache lifetime. */
  stale: string[];
}

export interface GraphInput {
  /** The local community the page is about; its lists are its active links. */
  center: KnownGroup;
  /** Groups known by URI (the centre may be included or not). */
  groups: ReadonlyMap<string, KnownGroup>;
  /** Levels drawn in each direction. */
  maxDepth: number;
  /** Most nodes drawn in all, so a huge network still makes a readable page. */
  maxNodes?: number;
  /** For staleness: now, and how long a cached copy stays fresh. */
  now: Date;
  cacheSeconds: number;
}

type Direction = "up" | "down";

function claims(g: KnownGroup, direction: Direction): readonly string[] {
  return direction === "up" ? g.parents : g.children;
}

/**
 * The verified neighbours of `uri` in one direction. From the centre, its
 * active links (verified when they became active); elsewhere, only a
 * relation both Groups claim.
 */
function verifiedNeighbours(input: GraphInput, uri: string, direction: Direction): string[] {
  if (uri === input.center.uri) return unique(claims(input.center, direction));
  const from = input.groups.get(uri);
  if (!from) return [];
  const back: Direction = direction === "up" ? "down" : "up";
  return unique(claims(from, direction)).filter((other) => {
    if (other === input.center.uri) return claims(input.center, back).includes(uri);
    const to = input.groups.get(other);
    return !!to && claims(to, back).includes(uri);
  });
}

function unique(list: readonly string[]): string[] {
  return [...new Set(list)];
}

function isStale(g: KnownGroup | undefined, now: Date, cacheSeconds: number): boolean {
  if (!g) return true;
  if (g.local || g.fetchedAt === null) return false;
  const fetched = Date.parse(g.fetchedAt);
  return Number.isNaN(fetched) || now.getTime() - fetched > cacheSeconds * 1000;
}

/** Lays the verified network around the centre out in rows, and as lists. */
export function buildNetworkGraph(input: GraphInput): NetworkGraph {
  const { center, groups, maxDepth } = input;
  const maxNodes = input.maxNodes ?? 60;
  const lookup = (uri: string): KnownGroup | null => (uri === center.uri ? center : groups.get(uri) ?? null);
  const levelOf = new Map<string, number>([[center.uri, 0]]);
  const rows = new Map<number, string[]>([[0, [center.uri]]]);
  const edges: GraphEdge[] = [];
  const edgeKeys = new Set<string>();

  // Breadth first, so each Group sits at its nearest level and appears once;
  // a Group reached twice (a diamond) gets one more edge, not a second box.
  for (const direction of ["up", "down"] as const) {
    const sign = direction === "up" ? -1 : 1;
    let frontier = [center.uri];
    for (let depth = 1; depth <= maxDepth && frontier.length > 0; depth++) {
      const next: string[] = [];
      for (const uri of frontier) {
        for (const other of verifiedNeighbours(input, uri, direction)) {
          let level = levelOf.get(other);
          if (level === undefined) {
            if (levelOf.size >= maxNodes) continue;
            level = sign * depth;
            levelOf.set(other, level);
            rows.set(level, [...(rows.get(level) ?? []), other]);
            next.push(other);
          }
          const [parent, child] = direction === "up" ? [other, uri] : [uri, other];
          // Edges always point down the page; anything else would be a cycle.
          const parentLevel = levelOf.get(parent)!;
          const childLevel = levelOf.get(child)!;
          const key = `${parent} ${child}`;
          if (parentLevel < childLevel && !edgeKeys.has(key)) {
            edgeKeys.add(key);
            edges.push({ parent, child });
          }
        }
      }
      frontier = next;
    }
  }

  const nodes: GraphNode[] = [...rows.keys()].sort((a, b) => a - b).flatMap((level) =>
    rows.get(level)!.map((uri, index) => ({ uri, group: lookup(uri), level, index })));

  const tree = (direction: Direction): TreeItem[] => {
    const listed = new Set<string>();
    const grow = (uri: string, depth: number, path: Set<string>): TreeItem[] => {
      if (depth > maxDepth) return [];
      return verifiedNeighbours(input, uri, direction)
        .filter((other) => {
          const level = levelOf.get(other);
          return level !== undefined && (direction === "up" ? level < 0 : level > 0) && !path.has(other);
        })
        .map((other) => {
          const repeated = listed.has(other);
          listed.add(other);
          return {
            uri: other,
            group: lookup(other),
            repeated,
            next: repeated ? [] : grow(other, depth + 1, new Set([...path, other])),
          };
        });
    };
    return grow(center.uri, 1, new Set([center.uri]));
  };

  // Refresh what is drawn, and what drawn Groups claim but is not cached yet,
  // so the next view can verify one more level.
  const stale = new Set<string>();
  for (const uri of levelOf.keys()) {
    const g = lookup(uri);
    if (uri !== center.uri && isStale(g ?? undefined, input.now, input.cacheSeconds)) stale.add(uri);
    if (!g) continue;
    const level = levelOf.get(uri)!;
    const outward: Direction[] = level < 0 ? ["up"] : level > 0 ? ["down"] : [];
    for (const direction of outward) {
      if (Math.abs(level) >= maxDepth) continue;
      for (const claimed of claims(g, direction)) {
        if (claimed !== center.uri && isStale(groups.get(claimed), input.now, input.cacheSeconds)) stale.add(claimed);
      }
    }
  }

  return { center: center.uri, nodes, edges, ancestors: tree("up"), descendants: tree("down"), stale: [...stale] };
}

/**
 * Loads the Groups `buildNetworkGraph` may need: everything claimed upwards
 * from the centre's parents and downwards from its children, up to `maxDepth`
 * levels and `maxNodes` Groups. Claims are followed here unverified; the
 * builder decides what counts.
 */
export async function collectGroups(
  center: KnownGroup,
  load: (uri: string) => Promise<KnownGroup | null>,
  maxDepth: number,
  maxNodes = 120,
): Promise<Map<string, KnownGroup>> {
  const groups = new Map<string, KnownGroup>();
  const tried = new Set<string>([center.uri]);
  for (const direction of ["up", "down"] as const) {
    let frontier = unique(claims(center, direction));
    for (let depth = 1; depth <= maxDepth && frontier.length > 0; depth++) {
      const next: string[] = [];
      for (const uri of frontier) {
        if (tried.has(uri) || tried.size > maxNodes) continue;
        tried.add(uri);
        const g = await load(uri);
        if (!g) continue;
        groups.set(uri, g);
        next.push(...claims(g, direction));
      }
      frontier = unique(next);
    }
  }
  return groups;
}
