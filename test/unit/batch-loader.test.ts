// BatchLoader (src/db/batch-loader.ts): reads asked in one turn of the event
// loop are read together.
import { describe, expect, it } from "vitest";
import { BatchLoader } from "../../src/db/batch-loader.ts";

describe("BatchLoader", () => {
  it("reads the keys asked in one turn in one call, each once, and answers each caller", async () => {
    const calls: string[][] = [];
    const loader = new BatchLoader<string, number>(async (keys) => {
      calls.push(keys);
      return new Map(keys.filter((k) => k !== "absent").map((k) => [k, k.length]));
    });
    const answers = await Promise.all([loader.load("a"), loader.load("bb"), loader.load("a"), loader.load("absent")]);
    expect(answers).toEqual([1, 2, 1, undefined]);
    expect(calls).toEqual([["a", "bb", "absent"]]);
    // A later turn is a batch of its own.
    expect(await loader.load("ccc")).toBe(3);
    expect(calls).toEqual([["a", "bb", "absent"], ["ccc"]]);
  });

  it("rejects every caller of a batch whose read fails, and reads the next batch afresh", async () => {
    let fail = true;
    const loader = new BatchLoader<string, string>(async (keys) => {
      if (fail) throw new Error("connection lost");
      return new Map(keys.map((k) => [k, k.toUpperCase()]));
    });
    const results = await Promise.allSettled([loader.load("x"), loader.load("y")]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    fail = false;
    expect(await loader.load("x")).toBe("X");
  });
});
