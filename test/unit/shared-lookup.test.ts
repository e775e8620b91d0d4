// An announced object is fetched once for the announces of it that arrive
// together (src/federation/inbox/network.ts), per server.
import { describe, expect, it } from "vitest";
import { sharedLookup } from "../../src/federation/inbox/network.ts";

describe("sharedLookup", () => {
  it("shares one fetch between concurrent announces of the same object on one server", async () => {
    const server = {};
    let loads = 0;
    let release!: (v: string) => void;
    const load = () => {
      loads++;
      return new Promise<string>((resolve) => { release = resolve; });
    };
    const first = sharedLookup(server, "https://a.example/notes/1", load);
    const second = sharedLookup(server, "https://a.example/notes/1", load);
    release("the note");
    expect(await Promise.all([first, second])).toEqual(["the note", "the note"]);
    expect(loads).toBe(1);
  });

  it("fetches again once the answer has arrived, and for another server or object", async () => {
    const server = {};
    let loads = 0;
    const load = async () => `answer ${++loads}`;
    expect(await sharedLookup(server, "https://a.example/notes/1", load)).toBe("answer 1");
    expect(await sharedLookup(server, "https://a.example/notes/1", load)).toBe("answer 2");
    await Promise.all([
      sharedLookup(server, "https://a.example/notes/2", load),
      sharedLookup({}, "https://a.example/notes/2", load),
    ]);
    expect(loads).toBe(4);
  });

  it("reads a failure as null, for every announce that waited on it", async () => {
    const server = {};
    const load = () => Promise.reject(new Error("timeout"));
    expect(await Promise.all([sharedLookup(server, "https://a.example/x", load), sharedLookup(server, "https://a.example/x", load)])).toEqual([null, null]);
  });
});
