// `praxis resource …` and `praxis practice …` as the operator runs them
// (the CLI binary, without the server: activities are queued), with their
// exit codes: 2 for invalid input naming the field, 3 for unknown
// communities, resources and objects.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type CliRun, type OperatorCli, operatorCli } from "../support/cli.ts";

let cli: OperatorCli;

function praxis(...args: string[]): Promise<CliRun> {
  return cli.praxis(...args);
}

beforeAll(async () => {
  cli = await operatorCli("cli-resources");
  expect((await praxis("community", "create", "gardens", "--name", "Gardens")).code).toBe(0);
}, 60_000);

afterAll(() => cli.remove());

it("adds, lists, updates, shows the history of and removes resources", async () => {
  const file = path.join(cli.dataDir, "guide.md");
  writeFileSync(file, "# Composting\n\nTurn the pile **weekly**.\n\n<script>alert(1)</script>\n");
  const add = await praxis("resource", "add", "gardens", "--title", "Composting guide", "--file", file, "--kind", "protocol", "--language", "en", "--json");
  expect(add.stderr).toBe("");
  expect(add.code).toBe(0);
  const r = JSON.parse(add.stdout);
  expect(r.id).toMatch(/^[0-9a-f-]{36}$/);
  expect(r.uri).toBe(`${cli.env.PRAXIS_ORIGIN}/c/gardens/resources/${r.id}`);
  expect(r).toMatchObject({ type: "Article", kind: "protocol", language: "en", version: 1 });

  const link = JSON.parse((await praxis("resource", "add", "gardens", "--title", "Seed library", "--url", "https://example.org/seeds", "--json")).stdout);
  expect(link).toMatchObject({ type: "Document", url: "https://example.org/seeds", kind: "other" });


  writeFileSync(file, "# Composting\n\nTurn the pile **twice a week**.\n");
  const upd = await praxis("resource", "update", "gardens", r.id, "--file", file, "--title", "Composting guide v2");
  expect(upd.code).toBe(0);
  expect(upd.stdout).toContain("version 2");
  const history = JSON.parse((await praxis("resource", "history", "gardens", r.id, "--json")).stdout);
  expect(history.map((v: any) => v.version)).toEqual([1, 2]);
  expect(history[1].html).toContain("<strong>twice a week</strong>");
  expect(history[0].html).not.toContain("<script");

  const mark = await praxis("practice", "mark", "gardens", r.uri, "--status", "evaluated", "--json");
  expect(mark.code).toBe(0);
  expect(JSON.parse(mark.stdout)).toMatchObject({ object: r.uri, status: "evaluated", source: "own" });
  const marked = JSON.parse((await praxis("practice", "list", "gardens", "--status", "evaluated", "--json")).stdout);
  expect(marked.map((m: any) => m.object)).toEqual([r.uri]);

  const rm = await praxis("resource", "remove", "gardens", link.id);
  expect(rm.code).toBe(0);
  const list = JSON.parse((await praxis("resource", "list", "gardens", "--json")).stdout);
  expect(list.map((x: any) => x.title)).toEqual(["Composting guide v2"]);
}, 180_000);

it("exits 2 naming the field for invalid input, 3 for what does not exist", async () => {
  const cases: [string[], number, RegExp][] = [
    [["resource", "add", "gardens", "--title", "x", "--url", "javascript:alert(1)"], 2, /url:/],
    [["resource", "add", "gardens", "--title", "x", "--url", "https://example.org", "--kind", "poem"], 2, /kind:/],
    [["resource", "add", "gardens", "--title", "x", "--file", "/nonexistent/file.md"], 2, /file:/],
    [["resource", "add", "nowhere", "--title", "x", "--url", "https://example.org"], 3, /No community "nowhere"/],
    [["resource", "update", "gardens", "00000000-0000-0000-0000-000000000000", "--title", "y"], 3, /No resource/],
    [["practice", "mark", "gardens", "https://elsewhere.example/notes/1", "--status", "proposed"], 3, /carries no post/],
    [["practice", "mark", "gardens", "https://elsewhere.example/notes/1", "--status", "great"], 2, /status:/],
  ];
  for (const [args, code, message] of cases) {
    const r = await praxis(...args);
    expect(r.code, args.join(" ")).toBe(code);
    expect(r.stderr, args.join(" ")).toMatch(message);
  }
}, 180_000);
