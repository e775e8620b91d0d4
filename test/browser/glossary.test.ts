// The glossary in Chromium at 360 px: the public page (English and French,
// a long term and a long unbroken word included) and the console's form,
// where a refused definition is answered next to its field; every page
// passes axe-core at 360 and 1280 px and fits a phone's width.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount } from "../../src/operations/accounts.ts";
import { createCommunity } from "../../src/operations/communities.ts";
import { defineTerm, listTerms } from "../../src/operations/glossary.ts";
import { addModerator } from "../../src/operations/moderators.ts";
import { browserUnavailable, checkPage, startBrowser, type TestBrowser } from "../support/browser.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";

const PASSWORD = "correct horse battery staple";
let praxis: TestPraxis;
let browser: TestBrowser;

async function signIn(page: Page): Promise<void> {
  // The French page visited before left its language in a cookie.
  await page.context().clearCookies();
  await page.goto(new URL("/login?lang=en", praxis.origin).href);
  await page.getByLabel("Username").fill("maya");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/console$/);
}

describe.skipIf(browserUnavailable)("the glossary in a browser", () => {
  beforeAll(async () => {
    praxis = await startPraxis();
    await createCommunity(praxis, "makers", { name: "Makers", closed: false });
    await createCommunity(praxis, "quiet", { name: "Quiet", closed: true });
    await defineTerm(praxis, "makers", "Community of practice", {
      definition: "People who share a craft and learn it together.\n\nThey meet, share and build.", language: "en", source: "https://example.org/cop",
    }, "test");
    await defineTerm(praxis, "makers", "Communauté de pratique", { definition: "Des personnes qui partagent un métier.", language: "fr" }, "test");
    await defineTerm(praxis, "makers", "Pneumonoultramicroscopicsilicovolcanoconiosis", {
      definition: "A word longer than a phone is wide: Pneumonoultramicroscopicsilicovolcanoconiosis.", language: "en",
    }, "test");
    await createAccount(praxis, { username: "maya", password: PASSWORD }, "test");
    await addModerator(praxis, "makers", "maya", "test");
    browser = await startBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await praxis?.stop();
  });

  it("shows the glossary readably at 360 px, in English and French, accessibly", async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    for (const [name, path] of [["glossary", "/c/makers/glossary?lang=en"], ["glossary-fr", "/c/makers/glossary?lang=fr"], ["glossary-closed", "/c/quiet/glossary"]]) {
      await page.goto(new URL(path, praxis.origin).href);
      const { violations, overflow } = await checkPage(page, `visitor-${name}`);
      for (const v of violations) problems.push(`${name}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes.join(", ")}`);
      if (overflow > 0) problems.push(`${name}: ${overflow} px wider than a 360 px screen`);
    }
    expect(problems).toEqual([]);
    await page.goto(new URL("/c/makers/glossary?lang=en", praxis.origin).href);
    expect(await page.getByRole("heading", { level: 2, name: /Community of practice/ }).isVisible()).toBe(true);
    await page.close();
  }, 120_000);

  it("defines a term from the console, answering a bad source next to its field", async () => {
    const page = await browser.newPage();
    await signIn(page);
    await page.goto(new URL("/console/c/makers/glossary", praxis.origin).href);
    await page.getByLabel("Term", { exact: true }).fill("Maker space");
    await page.getByLabel("Definition", { exact: true }).fill("A shared workshop.");
    await page.getByLabel(/Source/).fill("ftp://example.org/");
    await page.getByRole("button", { name: "Save the definition" }).click();
    const source = page.getByLabel(/Source/);
    await expect.poll(() => source.getAttribute("aria-invalid")).toBe("true");
    const { violations, overflow } = await checkPage(page, "console-glossary-error");
    expect(violations).toEqual([]);
    expect(overflow).toBe(0);
    await source.fill("https://example.org/space");
    await page.getByRole("button", { name: "Save the definition" }).click();
    await expect.poll(() => page.locator("main").innerText()).toContain("Saved “Maker space”, version 1.");
    expect((await listTerms(praxis, "makers")).find((e) => e.key === "maker space")).toMatchObject({ source: "https://example.org/space", inherited: false });
    await page.close();
  }, 120_000);
});
