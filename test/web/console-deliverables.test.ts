// The console's Deliverables tab over HTTP: a moderator adds and updates a
// working group's deliverables through the shared operations; bad input is
// shown next to the field; other communities' are out of reach.
import { afterAll, beforeAll, expect, it } from "vitest";
import { createAccount } from "../../src/operations/accounts.ts";
import { createCommunity } from "../../src/operations/communities.ts";
import { listDeliverables } from "../../src/operations/deliverables.ts";
import { addModerator } from "../../src/operations/moderators.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";

const PASSWORD = "a long enough password";
let praxis: TestPraxis;
let cookie: string;

const request = (path: string, init: RequestInit = {}) => praxis.web.request(new URL(path, praxis.origin).href, init);
const get = (path: string) => request(path, { headers: { Cookie: cookie, Accept: "text/html" } });
const post = (path: string, fields: Record<string, string>) => request(path, {
  method: "POST",
  headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: praxis.origin, Cookie: cookie },
  body: new URLSearchParams(fields).toString(),
});
const csrfOf = async (path: string) => /name="_csrf" value="([^"]+)"/.exec(await (await get(path)).text())![1];

beforeAll(async () => {
  praxis = await startPraxis();
  await createCommunity(praxis, "wg", { name: "WG", stream: "build", goal: "Ship" });
  await createCommunity(praxis, "other", { name: "Other", stream: "build" });
  await createAccount(praxis, { username: "maya", password: PASSWORD }, "test:operator");
  await addModerator(praxis, "wg", "maya", "test:operator");
  const res = await request("/login", {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: praxis.origin },
    body: new URLSearchParams({ username: "maya", password: PASSWORD }).toString(),
  });
  cookie = res.headers.get("set-cookie")!.split(";")[0];
});

afterAll(async () => {
  await praxis?.stop();
});

it("adds and updates deliverables, shows errors next to the field, and keeps to the moderator's communities", async () => {
  const page = await get("/console/c/wg/deliverables");
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('aria-current="page">Deliverables');
  const csrf = await csrfOf("/console/c/wg/deliverables");

  const added = await post("/console/c/wg/deliverables/add", { _csrf: csrf, title: "Guide", due: "2099-01-31", resource: "https://docs.example/guide" });
  expect(added.status).toBe(303);
  const [d] = await listDeliverables(praxis, "wg");
  expect(d).toMatchObject({ title: "Guide", due: "2099-01-31", status: "planned" });

  const bad = await post("/console/c/wg/deliverables/add", { _csrf: csrf, title: "X", due: "someday" });
  expect(bad.status).toBe(400);
  expect(await bad.text()).toMatch(/id="add-due-error"/);

  expect((await post("/console/c/wg/deliverables/update", { _csrf: csrf, id: d.id, status: "done", title: "Guide v1", due: "", resource: "" })).status).toBe(303);
  expect((await listDeliverables(praxis, "wg"))[0]).toMatchObject({ title: "Guide v1", status: "done", due: null, resourceUri: null });

  const fr = await (await request("/console/c/wg/deliverables", { headers: { Cookie: cookie, Accept: "text/html", "Accept-Language": "fr" } })).text();
  expect(fr).toContain("Livrables");
  expect((await get("/console/c/other/deliverables")).status).toBe(403);
  expect((await post("/console/c/other/deliverables/add", { _csrf: csrf, title: "Nope" })).status).toBe(403);
  expect(await listDeliverables(praxis, "other")).toEqual([]);
});
