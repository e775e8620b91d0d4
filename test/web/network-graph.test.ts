import { describe, expect, it } from "vitest";
import { buildNetworkGraph, collectGroups, type KnownGroup } from "../../src/web/network-graph.ts";

const NOW = new Date("2026-01-01T12:00:00Z");
const FRESH = "2026-01-01T11:59:00Z";

function group(uri: string, parents: string[] = [], children: string[] = [], extra: Partial<KnownGroup> = {}): KnownGroup {
  return {
    uri, local: false, name: uri.toUpperCase(), handle: null, url: null, scale: "local", closed: false, members: 1,
    parents, children, fetchedAt: FRESH, ...extra,
  };
}

function build(center: KnownGroup, others: KnownGroup[], maxDepth = 6) {
  return buildNetworkGraph({
    center, groups: new Map(others.map((g) => [g.uri, g])), maxDepth, now: NOW, cacheSeconds: 3600,
  });
}

const levels = (g: ReturnType<typeof build>) => Object.fromEntries(g.nodes.map((n) => [n.uri, n.level]));

describe("buildNetworkGraph", () => {
  it("lays out ancestors above and descendants below, verified on both sides", () => {
    const center = group("c", ["n"], ["a", "b"], { local: true, fetchedAt: null });
    const graph = build(center, [
      group("n", ["i"], ["c"]),
      group("i", [], ["n"]),
      group("a", ["c"], ["a1"]),
      group("b", ["c"], []),
      group("a1", ["a"], []),
    ]);
    expect(levels(graph)).toEqual({ i: -2, n: -1, c: 0, a: 1, b: 1, a1: 2 });
    expect(graph.nodes.filter((n) => n.level === 1).map((n) => [n.uri, n.index])).toEqual([["a", 0], ["b", 1]]);
    expect(graph.edges).toEqual(expect.arrayContaining([
      { parent: "n", child: "c" }, { parent: "i", child: "n" }, { parent: "c", child: "a" },
      { parent: "c", child: "b" }, { parent: "a", child: "a1" },
    ]));
    expect(graph.edges).toHaveLength(5);
    expect(graph.ancestors.map((t) => [t.uri, t.next.map((n) => n.uri)])).toEqual([["n", ["i"]]]);
    expect(graph.descendants.map((t) => [t.uri, t.next.map((n) => n.uri)])).toEqual([["a", ["a1"]], ["b", []]]);
    expect(graph.stale).toEqual([]);
  });

  it("never draws a one-sided claim", () => {
    const center = group("c", ["n"], ["a"], { local: true, fetchedAt: null });
    const graph = build(center, [
      // n claims a parent f that does not list n among its children.
      group("n", ["f"], ["c"]),
      group("f", [], []),
      // a claims a sub-community x, but x does not claim a.
      group("a", ["c"], ["x"]),
      group("x", [], []),
      // y claims to be a's child, but a does not list it.
      group("y", ["a"], []),
    ]);
    expect(Object.keys(levels(graph)).sort()).toEqual(["a", "c", "n"]);
    expect(graph.edges).toHaveLength(2);
  });

  it("uses the centre's own active links for the first level, whatever the cache says", () => {
    const center = group("c", ["n"], [], { local: true, fetchedAt: null });
    // The cache of n is stale and does not list c yet: the active link still counts.
    const graph = build(center, [group("n", [], [], { fetchedAt: "2025-01-01T00:00:00Z" })]);
    expect(levels(graph)).toEqual({ n: -1, c: 0 });
    expect(graph.stale).toEqual(["n"]);
  });

  it("draws a diamond once with two edges, and lists it twice marked as repeated", () => {
    const center = group("c", [], ["a", "b"], { local: true, fetchedAt: null });
    const graph = build(center, [
      group("a", ["c"], ["d"]),
      group("b", ["c"], ["d"]),
      group("d", ["a", "b"], []),
    ]);
    expect(graph.nodes.filter((n) => n.uri === "d")).toHaveLength(1);
    expect(graph.edges.filter((e) => e.child === "d")).toEqual([{ parent: "a", child: "d" }, { parent: "b", child: "d" }]);
    const listed = graph.descendants.flatMap((t) => t.next);
    expect(listed.map((t) => [t.uri, t.repeated])).toEqual([["d", false], ["d", true]]);
  });

  it("survives cycles and respects the depth limit", () => {
    const center = group("c", [], ["a"], { local: true, fetchedAt: null });
    const graph = build(center, [
      group("a", ["c", "b"], ["b"]),
      group("b", ["a"], ["a", "c"]),
    ], 6);
    expect(levels(graph)).toEqual({ c: 0, a: 1, b: 2 });
    // b → a would point up the page: it is not drawn.
    expect(graph.edges).toEqual([{ parent: "c", child: "a" }, { parent: "a", child: "b" }]);

    const chain = [group("a", ["c"], ["b"]), group("b", ["a"], ["d"]), group("d", ["b"], [])];
    expect(Object.keys(levels(build(center, chain, 2)))).toEqual(["c", "a", "b"]);
  });

  it("lists missing and stale cache entries to refresh, including unverified claims one level further", () => {
    const center = group("c", ["n"], ["a"], { local: true, fetchedAt: null });
    const graph = build(center, [
      group("n", ["g"], ["c"], { fetchedAt: "not a date" }),
      group("a", ["c"], ["z"]),
    ]);
    // "n" has an unreadable date; "g" and "z" are claimed by drawn Groups but not cached.
    expect(graph.stale.sort()).toEqual(["g", "n", "z"]);
    // A first-level peer with no cache at all is still drawn, and refreshed.
    const bare = build(group("c", [], ["q"], { local: true, fetchedAt: null }), []);
    expect(bare.nodes.map((n) => [n.uri, n.group])).toEqual([["c", expect.objectContaining({ uri: "c" })], ["q", null]]);
    expect(bare.stale).toEqual(["q"]);
  });
});

describe("collectGroups", () => {
  it("follows claims up from parents and down from children, once each, within the depth", async () => {
    const all = new Map([
      group("n", ["i"], ["c", "sibling"]), group("i", ["top"], ["n"]), group("top", [], []),
      group("a", ["c"], ["a1"]), group("a1", ["a"], []),
    ].map((g) => [g.uri, g]));
    const asked: string[] = [];
    const center = group("c", ["n"], ["a"], { local: true });
    const found = await collectGroups(center, async (uri) => {
      asked.push(uri);
      return all.get(uri) ?? null;
    }, 2);
    expect(asked).toEqual(["n", "i", "a", "a1"]);
    expect([...found.keys()]).toEqual(["n", "i", "a", "a1"]);
  });
});
