// The admin API's resource centre and practice statuses over real HTTP:
// the same operations as the CLI, 400 naming the field, 404 for unknown
// communities, resources and objects, 403 outside a moderator's scope.
import { afterAll, beforeAll, expect, it } from "vitest";
import { createAccount, createToken } from "../../src/operations/accounts.ts";
import { createCommunity } from "../../src/operations/communities.ts";
import { addModerator } from "../../src/operations/moderators.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";

let praxis: TestPraxis;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  praxis = await startPraxis();
  await createCommunity(praxis, "gardens", { name: "Gardens" });
  await createCommunity(praxis, "bees", { name: "Bees" });
  await createAccount(praxis, { username: "root", role: "operator", password: "operator password 1" }, "test");
  await createAccount(praxis, { username: "beemod" }, "test");
  await addModerator(praxis, "bees", "beemod", "test");
  for (const u of ["root", "beemod"]) tokens[u] = (await createToken(praxis, u, `${u} test`, "test")).token;
});

afterAll(async () => {
  await praxis?.stop();
});

async function api(method: string, path: string, body?: unknown, token = tokens.root) {
  const res = await fetch(`${praxis.origin}/api/v1/admin${path}`, {
    method, headers: { Authorization: `Bearer ${token}`, ...(body !== undefined ? { "Content-Type": "application/json" } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

it("adds, edits, lists, shows the history of and removes a resource", async () => {
  const add = await api("POST", "/communities/gardens/resources", {
    title: "Raised beds", markdown: "# Beds\n\n[bad](javascript:alert(1)) <script>x()</script> **ok**", kind: "template", language: "fr",
  });
  expect(add.status).toBe(201);
  expect(add.json).toMatchObject({ type: "Article", kind: "template", language: "fr", version: 1 });
  expect(add.json.uri).toBe(`${praxis.origin}/c/gardens/resources/${add.json.id}`);
  const id = add.json.id;

  const patch = await api("PATCH", `/communities/gardens/resources/${id}`, { title: "Raised beds, 2nd edition" });
  expect(patch.status).toBe(200);
  expect(patch.json.version).toBe(2);
  const history = await api("GET", `/communities/gardens/resources/${id}/history`);
  expect(history.json.versions.map((v: any) => v.title)).toEqual(["Raised beds", "Raised beds, 2nd edition"]);
  expect(history.json.versions[0].html).not.toMatch(/javascript:|<script/);
  expect(history.json.versions[0].html).toContain("<strong>ok</strong>");
  expect((await api("GET", "/communities/gardens/resources")).json.resources).toHaveLength(1);

  const mark = await api("POST", "/communities/gardens/practice", { object: add.json.uri, status: "proposed" });
  expect(mark.status).toBe(201);
  expect(mark.json).toMatchObject({ status: "proposed", source: "own" });
  expect((await api("GET", "/communities/gardens/practice?status=proposed")).json.practices).toHaveLength(1);
  expect((await api("GET", "/communities/gardens/practice/offers")).json.offers).toEqual([]);

  expect((await api("DELETE", `/communities/gardens/resources/${id}`)).status).toBe(200);
  expect((await api("GET", `/communities/gardens/resources/${id}`)).status).toBe(404);
});

it("answers 400 naming the field, 404 for unknown things, 403 outside the moderator's scope", async () => {
  const bad: [string, string, unknown, string][] = [
    ["POST", "/communities/gardens/resources", { title: "x", url: "javascript:alert(1)" }, "url"],
    ["POST", "/communities/gardens/resources", { title: "x", url: "https://example.org", kind: "poem" }, "kind"],
    ["POST", "/communities/gardens/resources", { title: "x", url: "https://example.org", language: "de" }, "language"],
    ["POST", "/communities/gardens/resources", { title: "x", markdown: "   " }, "markdown"],
    ["POST", "/communities/gardens/resources", { url: "https://example.org" }, "title"],
    ["POST", "/communities/gardens/resources", { title: "x", url: "https://example.org", colour: "red" }, "colour"],
    ["POST", "/communities/gardens/resources", { title: 5, url: "https://example.org" }, "title"],
    ["POST", "/communities/gardens/practice", { object: "https://elsewhere.example/1", status: "great" }, "status"],
    ["POST", "/communities/gardens/practice", { object: "not a uri", status: "proposed" }, "object"],
  ];
  for (const [method, path, body, field] of bad) {
    const r = await api(method, path, body);
    expect(r.status, JSON.stringify(body)).toBe(400);
    expect(r.json.field, JSON.stringify(body)).toBe(field);
  }
  expect((await api("GET", "/communities/gardens/practice?status=great")).status).toBe(400);
  for (const [method, path, body] of [
    ["POST", "/communities/nowhere/resources", { title: "x", url: "https://example.org" }],
    ["GET", "/communities/gardens/resources/00000000-0000-0000-0000-000000000000", undefined],
    ["PATCH", "/communities/gardens/resources/00000000-0000-0000-0000-000000000000", { title: "y" }],
    ["DELETE", "/communities/gardens/resources/00000000-0000-0000-0000-000000000000", undefined],
    ["POST", "/communities/gardens/practice", { object: "https://elsewhere.example/1", status: "proposed" }],
  ] as const) {
    expect((await api(method, path, body)).status, `${method} ${path}`).toBe(404);
  }
  expect((await api("POST", "/communities/gardens/resources", { title: "x", url: "https://example.org" }, tokens.beemod)).status).toBe(403);
  expect((await api("POST", "/communities/bees/resources", { title: "Hives", url: "https://example.org/hives" }, tokens.beemod)).status).toBe(201);
});
