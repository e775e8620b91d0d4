// Working groups and the core group: deliverable statuses, the end-date and
// archive rules, goal/end only in the Build stream, the cap and the waitlist.
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../src/domain/community.ts";
import {
  checkWorkingGroupFields, decideCappedFollow, decideStatusChange, isPastEnd, mayApprove, parseDate, parseDeliverableStatus,
  parseEndDate, parseMaxMembers, validateResourceUri, validateTitle, waitlist,
} from "../../src/domain/working-groups.ts";

function fieldOf(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (e) {
    return e instanceof ValidationError ? e.field : `not a ValidationError: ${String(e)}`;
  }
}

describe("deliverable statuses", () => {
  it("accepts planned, in-progress and done, and names the field otherwise", () => {
    expect(parseDeliverableStatus("planned")).toBe("planned");
    expect(parseDeliverableStatus("in-progress")).toBe("in-progress");
    expect(parseDeliverableStatus("done")).toBe("done");
    expect(fieldOf(() => parseDeliverableStatus("finished"))).toBe("status");
    expect(fieldOf(() => parseDeliverableStatus(""))).toBe("status");
  });

  it("moves freely while the group is active and never once it is archived", () => {
    expect(decideStatusChange({ from: "planned", to: "done", archived: false })).toEqual({ allowed: true });
    expect(decideStatusChange({ from: "done", to: "in-progress", archived: false })).toEqual({ allowed: true });
    expect(decideStatusChange({ from: "in-progress", to: "done", archived: true }).allowed).toBe(false);
  });

  it("validates titles, due dates and resources", () => {
    expect(validateTitle("  Final   report ")).toBe("Final report");
    expect(fieldOf(() => validateTitle("   "))).toBe("title");
    expect(fieldOf(() => validateTitle("x".repeat(201)))).toBe("title");
    expect(parseDate("due", "2026-02-28")).toBe("2026-02-28");
    expect(fieldOf(() => parseDate("due", "2026-02-30"))).toBe("due");
    expect(fieldOf(() => parseDate("due", "tomorrow"))).toBe("due");
    expect(validateResourceUri("https://docs.example/report.pdf")).toBe("https://docs.example/report.pdf");
    expect(fieldOf(() => validateResourceUri("javascript:alert(1)"))).toBe("resource");
    expect(fieldOf(() => validateResourceUri("not a uri"))).toBe("resource");
  });
});

describe("the end date and archiving", () => {
  const now = new Date("2026-03-01T12:00:00Z");

  it("takes a future date (the end of that day, UTC) or a zoned date-time", () => {
    expect(parseEndDate("2026-03-02", now)).toBe("2026-03-02T23:59:59.999Z");
    expect(parseEndDate("2026-03-01T13:00:00+00:00", now)).toBe("2026-03-01T13:00:00.000Z");
    // Today still counts: the group ends tonight.
    expect(parseEndDate("2026-03-01", now)).toBe("2026-03-01T23:59:59.999Z");
  });

  it("refuses a past or invalid end date, naming the field", () => {
    expect(fieldOf(() => parseEndDate("2026-02-28", now))).toBe("ends");
    expect(fieldOf(() => parseEndDate("2026-03-01T11:59:00Z", now))).toBe("ends");
    expect(fieldOf(() => parseEndDate("2026-13-01", now))).toBe("ends");
    expect(fieldOf(() => parseEndDate("2026-03-05T10:00:00", now))).toBe("ends"); // no time zone
    expect(fieldOf(() => parseEndDate("soon", now))).toBe("ends");
  });

  it("is past its end once the end instant is reached, never without an end date", () => {
    expect(isPastEnd({ endsAt: "2026-03-01T12:00:00.000Z" }, now)).toBe(true);
    expect(isPastEnd({ endsAt: "2026-03-01T12:00:00.001Z" }, now)).toBe(false);
    expect(isPastEnd({ endsAt: null }, now)).toBe(false);
  });

  it("gives goal and end date to the Build stream only", () => {
    expect(() => checkWorkingGroupFields({ stream: "build", goal: "Ship a guide", endsAt: "2027-01-01T00:00:00Z" })).not.toThrow();
    expect(fieldOf(() => checkWorkingGroupFields({ stream: "learn", goal: "Ship a guide" }))).toBe("goal");
    expect(fieldOf(() => checkWorkingGroupFields({ stream: null, endsAt: "2027-01-01T00:00:00Z" }))).toBe("ends");
    expect(() => checkWorkingGroupFields({ stream: "share", goal: null, endsAt: null })).not.toThrow();
  });
});

describe("the core group: cap and waitlist", () => {
  it("parses the cap, naming the field", () => {
    expect(parseMaxMembers("12")).toBe(12);
    expect(parseMaxMembers(3)).toBe(3);
    expect(parseMaxMembers("none")).toBeNull();
    expect(parseMaxMembers("")).toBeNull();
    for (const bad of ["0", "-1", "1.5", "ten", "1e3", 0, 2.5]) expect(fieldOf(() => parseMaxMembers(bad))).toBe("max-members");
  });

  it("rejects a newcomer to a full open community with a reason, accepts below the cap", () => {
    expect(decideCappedFollow({ closed: false, maxMembers: 2, members: 1, waiting: 0 })).toEqual({ action: "accept" });
    const full = decideCappedFollow({ closed: false, maxMembers: 2, members: 2, waiting: 0 });
    expect(full.action).toBe("reject");
    expect(full.action === "reject" && full.reason).toMatch(/full.*2 members/);
    expect(decideCappedFollow({ closed: false, maxMembers: null, members: 10_000, waiting: 0 })).toEqual({ action: "accept" });
  });

  it("keeps a closed community's requests waiting, behind those already waiting", () => {
    expect(decideCappedFollow({ closed: true, maxMembers: 1, members: 1, waiting: 2 })).toEqual({ action: "wait", position: 3 });
    expect(mayApprove({ maxMembers: 2, members: 1 })).toBe(true);
    expect(mayApprove({ maxMembers: 2, members: 2 })).toBe(false);
    expect(mayApprove({ maxMembers: null, members: 99 })).toBe(true);
  });

  it("orders the waitlist by request time, then actor, from 1", () => {
    const list = waitlist([
      { actorUri: "https://b.example/u/z", requestedAt: "2026-01-02T00:00:00Z" },
      { actorUri: "https://a.example/u/y", requestedAt: "2026-01-01T00:00:00Z" },
      { actorUri: "https://a.example/u/x", requestedAt: "2026-01-02T00:00:00Z" },
    ]);
    expect(list.map((m) => [m.position, m.actorUri])).toEqual([
      [1, "https://a.example/u/y"], [2, "https://a.example/u/x"], [3, "https://b.example/u/z"],
    ]);
  });
});
