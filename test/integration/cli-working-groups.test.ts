// `praxis community create|update|archive` with working-group and cap
// options, and `praxis deliverable …`, as the operator runs them: exit 0 on
// success, 2 naming the field for invalid input, 3 for unknown things.
import { afterAll, beforeAll, expect, it } from "vitest";
import { type CliRun, type OperatorCli, operatorCli } from "../support/cli.ts";

let cli: OperatorCli;

function praxis(...args: string[]): Promise<CliRun> {
  return cli.praxis(...args);
}

beforeAll(async () => {
  cli = await operatorCli("cli-wg");
  // Migrated once first: the commands below run side by side.
  expect((await praxis("migrate")).code).toBe(0);
}, 60_000);

afterAll(() => cli.remove());

// Each command is a process of its own; independent ones run side by side.
it("refuses goal and end date outside the Build stream, past end dates and bad caps (exit 2, naming the field); unknown communities exit 3", async () => {
  const [goal, past, bad, noCommunity, noArchive] = await Promise.all([
    praxis("community", "create", "wg0", "--name", "WG", "--goal", "Ship"),
    praxis("community", "create", "wg1", "--name", "WG", "--stream", "build", "--ends", "2001-01-01"),
    praxis("community", "create", "wg2", "--name", "WG", "--max-members", "0"),
    praxis("deliverable", "add", "nowhere", "--title", "X"),
    praxis("community", "archive", "nowhere"),
  ]);
  expect([goal.code, goal.stderr]).toEqual([2, expect.stringMatching(/^praxis: goal: /)]);
  expect([past.code, past.stderr]).toEqual([2, expect.stringMatching(/^praxis: ends: .*not in the future/)]);
  expect([bad.code, bad.stderr]).toEqual([2, expect.stringMatching(/^praxis: max-members: /)]);
  expect(noCommunity.code).toBe(3);
  expect(noArchive.code).toBe(3);
}, 240_000);

it("creates a working group, manages its deliverables and archives it", async () => {
  const created = await praxis("community", "create", "wg", "--name", "WG", "--stream", "build", "--goal", "Ship the guide",
    "--ends", "2099-06-30", "--max-members", "12", "--json");
  expect(created.code).toBe(0);
  expect(JSON.parse(created.stdout)).toMatchObject({ goal: "Ship the guide", endsAt: "2099-06-30T23:59:59.999Z", maxMembers: 12, archivedAt: null });

  const added = await praxis("deliverable", "add", "wg", "--title", "Guide", "--due", "2099-05-01", "--resource", "https://docs.example/guide", "--json");
  expect(added.code).toBe(0);
  const d = JSON.parse(added.stdout);
  expect(d).toMatchObject({ title: "Guide", status: "planned", due: "2099-05-01", resourceUri: "https://docs.example/guide" });

  const [badDue, noId, done, capped] = await Promise.all([
    praxis("deliverable", "add", "wg", "--title", "X", "--due", "someday"),
    praxis("deliverable", "update", "wg", "no-such-id", "--status", "done"),
    praxis("deliverable", "update", "wg", d.id, "--status", "done"),
    praxis("community", "update", "wg", "--max-members", "ten"),
  ]);
  expect([badDue.code, badDue.stderr]).toEqual([2, expect.stringMatching(/^praxis: due: /)]);
  expect(noId.code).toBe(3);
  expect(done.code).toBe(0);
  expect([capped.code, capped.stderr]).toEqual([2, expect.stringMatching(/^praxis: max-members: /)]);

  expect((await praxis("community", "archive", "wg")).code).toBe(0);
  const [again, late, shown, list] = await Promise.all([
    praxis("community", "archive", "wg"),
    praxis("deliverable", "add", "wg", "--title", "Late"),
    praxis("community", "show", "wg", "--json"),
    praxis("deliverable", "list", "wg", "--json"),
  ]);
  expect(again.code).toBe(2);
  // Archived: its deliverables are final.
  expect([late.code, late.stderr]).toEqual([2, expect.stringMatching(/archived/)]);
  expect(JSON.parse(shown.stdout).archivedAt).not.toBeNull();
  expect(JSON.parse(list.stdout).map((x: any) => [x.title, x.status])).toEqual([["Guide", "done"]]);
}, 300_000);
