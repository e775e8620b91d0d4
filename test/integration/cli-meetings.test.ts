// `praxis meeting …` as an operator runs it (node bin/praxis.js), on a
// temporary data directory: the happy path and every kind of bad input.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliRun, runPraxis } from "../support/cli.ts";

let dataDir: string;

const praxis = (args: string[]): Promise<CliRun> =>
  runPraxis({ ...process.env, PRAXIS_CONFIG: "", PRAXIS_DATA_DIR: dataDir, PRAXIS_ORIGIN: "https://cop.example", PRAXIS_LOG_LEVEL: "error" }, args);
const ok = async (args: string[]): Promise<string> => {
  const r = await praxis(args);
  expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(0);
  return r.stdout;
};
const future = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), "praxis-cli-meetings-"));
  await ok(["community", "create", "gardeners", "--name", "Gardeners"]);
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

// Each run starts Node and opens the database (seconds on a busy machine):
// the runs of one test that do not depend on each other go in parallel.
describe.concurrent("praxis meeting", () => {
  it("creates a weekly series, lists it, updates it, cancels one occurrence and the series", async () => {
    const created = JSON.parse(await ok(["meeting", "create", "gardeners", "--title", "Seed swap", "--start", `${future(3)}T19:00`,
      "--duration", "90", "--timezone", "Europe/Paris", "--repeat", "weekly", "--count", "4", "--place", "Community hall",
      "--online", "https://meet.example/seed", "--capacity", "10", "--json"]));
    expect(created.id).toMatch(/^[0-9a-f]{12}$/);
    expect(created.url).toBe(`https://cop.example/c/gardeners/meetings/${created.id}-0`);
    expect(created.upcoming).toHaveLength(4);

    const list = JSON.parse(await ok(["meeting", "list", "gardeners", "--json"]));
    expect(list.map((o: any) => o.id)).toEqual([0, 1, 2, 3].map((i) => `${created.id}-${i}`));
    expect(list[0]).toMatchObject({ title: "Seed swap", timezone: "Europe/Paris", place: "Community hall", capacity: 10, attending: 0 });

    const updated = JSON.parse(await ok(["meeting", "update", "gardeners", created.id, "--title", "Seed and plant swap", "--count", "2", "--json"]));
    expect(updated.title).toBe("Seed and plant swap");
    expect(updated.upcoming.filter((o: any) => o.status === "scheduled")).toHaveLength(2);

    const second = list[1].start;
    const one = JSON.parse(await ok(["meeting", "cancel", "gardeners", created.id, "--occurrence", second, "--json"]));
    expect(one.status).toBe("scheduled");
    expect(one.upcoming.find((o: any) => o.start === second).status).toBe("cancelled");

    expect(await ok(["meeting", "cancel", "gardeners", created.id])).toMatch(/Cancelled Seed and plant swap/);
    const after = JSON.parse(await ok(["meeting", "list", "gardeners", "--json"]));
    expect(after.every((o: any) => o.status === "cancelled")).toBe(true);
  }, 300_000);

  it("exits 3 for an unknown community or meeting", async () => {
    const runs = await Promise.all([
      ["meeting", "create", "nowhere", "--title", "x", "--start", `${future(3)}T10:00`, "--duration", "30"],
      ["meeting", "list", "nowhere"],
      ["meeting", "cancel", "gardeners", "0123456789ab"],
      ["meeting", "attendees", "gardeners", "0123456789ab-0"],
      ["meeting", "update", "gardeners", "nope", "--title", "x"],
    ].map((args) => praxis(args)));
    expect(runs.map((r) => r.code)).toEqual([3, 3, 3, 3, 3]);
  }, 300_000);

  it("exits 2 naming the field for bad input", async () => {
    const base = ["meeting", "create", "gardeners", "--title", "Bad", "--duration", "60", "--start", `${future(3)}T10:00`];
    const cases: [string[], string][] = [
      [["--start", "tomorrow"], "start"],
      [["--timezone", "Mars/Olympus"], "timezone"],
      [["--repeat", "daily"], "repeat"],
      [["--online", "javascript:alert(1)"], "online"],
      [["--capacity", "0"], "capacity"],
      [["--duration", "-5"], "duration"],
      [["--repeat", "weekly", "--until", "someday"], "until"],
      [["--repeat", "weekly", "--count", "2", "--until", future(30)], "until"],
    ];
    cases.push([["--start", ""], "start"]);
    // Three at a time: nine CLI processes at once, beside this file's other
    // tests writing to the same SQLite file, once made one exit 1 in CI.
    const runs: CliRun[] = [];
    for (let start = 0; start < cases.length; start += 3) {
      runs.push(...await Promise.all(cases.slice(start, start + 3).map(([extra]) => praxis([...base, ...extra]))));
    }
    for (const [i, [extra, field]] of cases.entries()) {
      expect(runs[i].code, `${extra.join(" ")}: ${runs[i].stderr}`).toBe(2);
      expect(runs[i].stderr, extra.join(" ")).toMatch(new RegExp(`praxis: ${field}: `));
    }
  }, 300_000);
});
