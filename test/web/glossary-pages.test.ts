// The glossary on the web: the public page (EN and FR, own definitions,
// linked from the community page, a closed community's hidden) and the
// console's form to define and remove a term, through the same operations
// as the CLI, with field errors shown next to the field.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount } from "../../src/operations/accounts.ts";
import { createCommunity } from "../../src/operations/communities.ts";
import { defineTerm, listTerms } from "../../src/operations/glossary.ts";
import { addModerator } from "../../src/operations/moderators.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";

const PASSWORD = "a long enough password";
let praxis: TestPraxis;
let cookie: string;

const request = (path: string, init: RequestInit = {}) => praxis.web.request(new URL(path, praxis.origin).href, init);
const page = async (path: string) => (await request(path, { headers: { Accept: "text/html", ...(cookie ? { Cookie: cookie } : {}) } })).text();

async function post(path: string, fields: Record<string, string>) {
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page("/console/c/mine/glossary"))![1];
  return request(path, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: praxis.origin, Cookie: cookie },
    body: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
  });
}

beforeAll(async () => {
  praxis = await startPraxis();
  await createCommunity(praxis, "mine", { name: "Mine", languages: "fr" });
  await createCommunity(praxis, "theirs", { name: "Theirs" });
  await createCommunity(praxis, "secret", { name: "Secret", closed: true });
  await defineTerm(praxis, "secret", "Quorum", { definition: "Seven members, confidentially." }, "test");
  await createAccount(praxis, { username: "maya", password: PASSWORD }, "test");
  await addModerator(praxis, "mine", "maya", "test");
  const res = await request("/login", {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: praxis.origin },
    body: new URLSearchParams({ username: "maya", password: PASSWORD }).toString(),
  });
  expect(res.status).toBe(303);
  cookie = res.headers.get("set-cookie")!.split(";")[0];
});

afterAll(async () => {
  await praxis?.stop();
});

describe("the console's glossary", () => {
  it("defines a term (in the community's language by default) and a new version, through the shared operation", async () => {
    const res = await post("/console/c/mine/glossary/define", { _form: "define", term: "Pair  work", definition: "Two people, one task.", language: "fr", source: "" });
    expect(res.status).toBe(303);
    const again = await post("/console/c/mine/glossary/define", { _form: "define", term: "pair work", definition: "Two people sharing one task.", language: "fr" });
    expect(again.status).toBe(303);
    const [entry] = await listTerms(praxis, "mine");
    expect(entry).toMatchObject({ term: "pair work", language: "fr", version: 2, inherited: false });
    const html = await page("/console/c/mine/glossary");
    expect(html).toContain("Two people sharing one task.");
    expect(html).toContain('aria-current="page"');
  });

  it("shows the error next to the field it names", async () => {
    const empty = await post("/console/c/mine/glossary/define", { _form: "define", term: "Loop", definition: " " });
    expect(empty.status).toBe(400);
    expect(await empty.text()).toMatch(/id="define-definition-error"[^>]*>[^<]*must not be empty/);
    const badSource = await post("/console/c/mine/glossary/define", { _form: "define", term: "Loop", definition: "x", source: "ftp://x.example/" });
    expect(badSource.status).toBe(400);
    expect(await badSource.text()).toMatch(/id="define-source-error"/);
  });

  it("removes a term, and refuses another community's glossary", async () => {
    const res = await post("/console/c/mine/glossary/remove", { _form: "remove", term: "Pair work", language: "fr" });
    expect(res.status).toBe(303);
    expect(await listTerms(praxis, "mine")).toEqual([]);
    expect((await request("/console/c/theirs/glossary", { headers: { Accept: "text/html", Cookie: cookie } })).status).toBe(403);
  });
});

describe("the public glossary page", () => {
  it("shows the community's definitions in English and French, linked from the community page", async () => {
    await defineTerm(praxis, "theirs", "Retro", { definition: "Looking back <together>.", language: "en" }, "test");
    const saved = cookie;
    cookie = "";
    try {
      const en = await page("/c/theirs/glossary?lang=en");
      expect(en).toContain("Glossary of Theirs");
      expect(en).toContain("Looking back &lt;together&gt;.");
      expect(en).toContain('id="term-en-retro"');
      expect(en).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
      const fr = await page("/c/theirs/glossary?lang=fr");
      expect(fr).toContain("Glossaire de Theirs");
      expect(fr).toContain("Défini par cette communauté");
      expect(await page("/c/theirs?lang=en")).toContain('href="/c/theirs/glossary"');
      const secret = await page("/c/secret/glossary?lang=en");
      expect(secret).toContain("glossary is shared with its members only");
      expect(secret).not.toContain("confidentially");
      expect((await request("/c/nowhere/glossary", { headers: { Accept: "text/html" } })).status).toBe(404);
    } finally {
      cookie = saved;
    }
  });
});
