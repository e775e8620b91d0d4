// A read on its way is shared by the callers that ask for its key meanwhile
// (src/db/single-flight.ts), and forgotten once it settles, failed or not.
import { describe, expect, it } from "vitest";
import { SingleFlight } from "../../src/db/single-flight.ts";

describe("SingleFlight", () => {
  it("shares a read on its way, reads again once it has answered, and keeps keys apart", async () => {
    const flights = new SingleFlight<string, number>();
    let reads = 0;
    const pending: ((n: number) => void)[] = [];
    const read = () => {
      reads++;
      return new Promise<number>((resolve) => pending.push(resolve));
    };
    const a1 = flights.run("a", read);
    const a2 = flights.run("a", read);
    const b = flights.run("b", read);
    expect(reads).toBe(2);
    expect(flights.has("a")).toBe(true);
    pending[0](1);
    pending[1](2);
    expect(await Promise.all([a1, a2, b])).toEqual([1, 1, 2]);
    expect(flights.has("a")).toBe(false);
    const again = flights.run("a", read);
    expect(reads).toBe(3);
    pending[2](3);
    expect(await again).toBe(3);
  });

  it("gives a failure to every caller of the read, and forgets it", async () => {
    const flights = new SingleFlight<string, number>();
    let fail!: (e: Error) => void;
    const first = flights.run("k", () => new Promise<number>((_, reject) => { fail = reject; }));
    const second = flights.run("k", () => Promise.resolve(9));
    fail(new Error("down"));
    await expect(first).rejects.toThrow("down");
    await expect(second).rejects.toThrow("down");
    expect(await flights.run("k", () => Promise.resolve(9))).toBe(9);
  });
});
