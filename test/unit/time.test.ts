// Temporal instants written as text without the polyfill's toString, and
// read back into storage: the same text as Temporal writes, for any instant.
import { Temporal } from "@js-temporal/polyfill";
import { describe, expect, it } from "vitest";
import { instantString, isoOf } from "../../src/federation/time.ts";

const asFedify = (i: Temporal.Instant) => i as unknown as globalThis.Temporal.Instant;

/** Instants across the range: whole seconds, milliseconds, nanoseconds, before 1970, years outside 0000–9999. */
function samples(): Temporal.Instant[] {
  const fixed = [
    "2026-12-03T09:58:07Z", "2026-12-03T09:58:07.1Z", "2026-12-03T09:58:07.120Z", "2026-12-03T09:58:07.123456789Z",
    "2026-12-03T09:58:07.000000001Z", "1970-01-01T00:00:00Z", "1969-12-31T23:59:59.999999999Z", "1969-12-31T23:59:59.5Z",
    "0000-01-01T00:00:00Z", "-000001-06-15T12:00:00.25Z", "+010000-01-01T00:00:00.000001Z",
    "-271821-04-20T00:00:00Z", "+275760-09-13T00:00:00Z",
  ].map((iso) => Temporal.Instant.from(iso));
  // Pseudo-random instants (a fixed linear congruential sequence), nanoseconds and all.
  let x = 12345n;
  const random: Temporal.Instant[] = [];
  for (let i = 0; i < 500; i++) {
    x = (x * 6364136223846793005n + 1442695040888963407n) % (1n << 63n);
    const ns = (x % (2n * 8_000_000_000_000_000_000_000n)) - 8_000_000_000_000_000_000_000n;
    random.push(Temporal.Instant.fromEpochNanoseconds(ns));
  }
  return [...fixed, ...random, Temporal.Now.instant()];
}

describe("instantString", () => {
  it("writes what Temporal.Instant#toString writes", () => {
    for (const instant of samples()) expect(instantString(asFedify(instant))).toBe(instant.toString());
  });
});

describe("isoOf", () => {
  it("reads an instant to the millisecond, as from its text", () => {
    for (const instant of samples()) {
      expect(isoOf(asFedify(instant))).toBe(new Date(Date.parse(instant.toString())).toISOString());
    }
  });

  it("reads ISO strings, and gives null for what is no instant", () => {
    expect(isoOf("2026-12-03T09:58:07.5+01:00")).toBe("2026-12-03T08:58:07.500Z");
    expect(isoOf("next Tuesday")).toBeNull();
    expect(isoOf(null)).toBeNull();
    expect(isoOf(undefined)).toBeNull();
    expect(isoOf({ toString: () => "not a date" })).toBeNull();
  });
});
