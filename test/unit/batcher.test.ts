// Batcher (src/db/batcher.ts): writes asked in one turn of the event loop
// are one call, each caller answered with its own result; a failed batch is
// written again item by item.
import { describe, expect, it } from "vitest";
import { Batcher, writePerTurn } from "../../src/db/batcher.ts";
import { DatabaseUnavailableError } from "../../src/db/faults.ts";

describe("Batcher", () => {
  it("writes the items asked in one turn in one call, and answers each caller with its own result", async () => {
    const many: number[][] = [];
    const one: number[] = [];
    const batcher = new Batcher<number, string>({
      many: async (items) => {
        many.push(items);
        return items.map((n) => `many:${n}`);
      },
      one: async (n) => {
        one.push(n);
        return `one:${n}`;
      },
    });
    expect(await Promise.all([batcher.run(1), batcher.run(2), batcher.run(3)])).toEqual(["many:1", "many:2", "many:3"]);
    expect(many).toEqual([[1, 2, 3]]);
    // Alone in its turn: the single write.
    expect(await batcher.run(4)).toBe("one:4");
    expect(one).toEqual([4]);
    expect(many).toEqual([[1, 2, 3]]);
  });

  it("splits a turn's items into batches of at most `max`", async () => {
    const many: number[][] = [];
    const batcher = new Batcher<number, number>({
      many: async (items) => {
        many.push(items);
        return items;
      },
      one: async (n) => n,
      max: 2,
    });
    expect(await Promise.all([1, 2, 3, 4, 5].map((n) => batcher.run(n)))).toEqual([1, 2, 3, 4, 5]);
    expect(many).toEqual([[1, 2], [3, 4]]);
  });

  it("gives every caller of a batch the database's unavailability at once, without writing each again", async () => {
    let ones = 0;
    const batcher = new Batcher<number, number>({
      many: async () => { throw new DatabaseUnavailableError("The database did not answer within 1000 ms"); },
      one: async (n) => { ones++; return n; },
    });
    const results = await Promise.allSettled([1, 2, 3].map((n) => batcher.run(n)));
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected", "rejected"]);
    expect(ones).toBe(0);
  });

  it("writes a batch again item by item when it is not answered once per item, and settles a caller whose write throws at once", async () => {
    const batcher = new Batcher<number, number>({
      many: async (items) => items.slice(1),
      one: (n) => {
        if (n === 2) throw new Error("thrown before any promise");
        return Promise.resolve(n * 10);
      },
    });
    const results = await Promise.allSettled([1, 2, 3].map((n) => batcher.run(n)));
    expect(results).toEqual([
      { status: "fulfilled", value: 10 },
      { status: "rejected", reason: new Error("thrown before any promise") },
      { status: "fulfilled", value: 30 },
    ]);
  });

  it("writes a failed batch again item by item, so that only the item refused fails", async () => {
    const batcher = new Batcher<string, string>({
      many: async (items) => {
        if (items.includes("bad")) throw new Error("a constraint refused a row");
        return items;
      },
      one: async (item) => {
        if (item === "bad") throw new Error(`refused: ${item}`);
        return item.toUpperCase();
      },
    });
    const results = await Promise.allSettled(["a", "bad", "b"].map((item) => batcher.run(item)));
    expect(results).toEqual([
      { status: "fulfilled", value: "A" },
      { status: "rejected", reason: new Error("refused: bad") },
      { status: "fulfilled", value: "B" },
    ]);
    // The next turn is a batch of its own again.
    expect(await Promise.all([batcher.run("c"), batcher.run("d")])).toEqual(["c", "d"]);
  });
});

describe("writePerTurn", () => {
  it("shares one write among a turn's callers, each answered its own", async () => {
    const seen: number[][] = [];
    const write = writePerTurn(async (items: number[]) => { seen.push(items); return items.map((n) => n * 10); });
    expect(await Promise.all([1, 2, 3].map(write))).toEqual([10, 20, 30]);
    expect(await write(4)).toBe(40);
    expect(seen).toEqual([[1, 2, 3], [4]]);
  });
});
