// The console's resource centre over HTTP: a moderator adds an article and
// a link, sees an invalid URL refused next to its field, marks a practice
// and removes a resource, all through the shared operations.
import { afterAll, beforeAll, expect, it } from "vitest";
import { createAccount } from "../../src/operations/accounts.ts";
import { createCommunity } from "../../src/operations/communities.ts";
import { addModerator } from "../../src/operations/moderators.ts";
import { listPractice } from "../../src/operations/practice.ts";
import { listResources } from "../../src/operations/resources.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";

const PASSWORD = "a long enough password";
let praxis: TestPraxis;
let cookie: string;

async function get(path: string) {
  return praxis.web.request(new URL(path, praxis.origin).href, { headers: { Cookie: cookie, Accept: "text/html" } });
}
async function post(path: string, fields: Record<string, string>) {
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await (await get("/console/c/mine/resources")).text())![1];
  return praxis.web.request(new URL(path, praxis.origin).href, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: praxis.origin, Cookie: cookie },
    body: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
  });
}

beforeAll(async () => {
  praxis = await startPraxis();
  await createCommunity(praxis, "mine", { name: "Mine" });
  await createCommunity(praxis, "theirs", { name: "Theirs" });
  await createAccount(praxis, { username: "maya", password: PASSWORD }, "test");
  await addModerator(praxis, "mine", "maya", "test");
  const res = await praxis.web.request(new URL("/login", praxis.origin).href, {
    method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: praxis.origin },
    body: new URLSearchParams({ username: "maya", password: PASSWORD }).toString(),
  });
  cookie = res.headers.get("set-cookie")!.split(";")[0];
});

afterAll(async () => {
  await praxis?.stop();
});

it("adds, marks and removes resources; refuses bad input next to the field and other communities", async () => {
  expect((await get("/console/c/mine/resources")).status).toBe(200);
  expect((await get("/console/c/theirs/resources")).status).toBe(403);

  const bad = await post("/console/c/mine/resources/add", { _form: "add", title: "Bad", url: "javascript:alert(1)" });
  expect(bad.status).toBe(400);
  const page = await bad.text();
  expect(page).toMatch(/id="add-url"[^>]*aria-invalid="true"/);

  expect((await post("/console/c/mine/resources/add", { _form: "add", title: "Seed guide", markdown: "# Seeds\n\n**Dry** them.", kind: "protocol", language: "en" })).status).toBe(303);
  expect((await post("/console/c/mine/resources/add", { _form: "add", title: "Seed map", url: "https://example.org/map", kind: "tool", language: "" })).status).toBe(303);
  const resources = await listResources(praxis, "mine");
  expect(resources.map((r) => r.title).sort()).toEqual(["Seed guide", "Seed map"]);
  const article = resources.find((r) => r.type === "Article")!;

  expect((await post("/console/c/mine/resources/mark", { _form: "mark", object: article.uri, status: "evaluated", note: "" })).status).toBe(303);
  expect((await listPractice(praxis, "mine")).map((p) => [p.object, p.status])).toEqual([[article.uri, "evaluated"]]);
  const refused = await post("/console/c/mine/resources/mark", { _form: "mark", object: article.uri, status: "proposed", note: "" });
  expect(refused.status).toBe(400);
  expect(await refused.text()).toContain("note");

  const link = resources.find((r) => r.type === "Document")!;
  expect((await post("/console/c/mine/resources/remove", { id: link.id })).status).toBe(303);
  expect((await listResources(praxis, "mine")).map((r) => r.title)).toEqual(["Seed guide"]);
  const listed = await (await get("/console/c/mine/resources")).text();
  expect(listed).toContain("Seed guide");
  expect(listed).toContain("Evaluated practice");
});
