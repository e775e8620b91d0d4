// Meetings in Chromium at 360 px: the community page's meetings section, a
// meeting's page (English and French) and the console's meetings page pass
// axe-core without a serious or critical violation and fit a phone; a
// facilitator schedules a meeting through the console form.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount } from "../../src/operations/accounts.ts";
import { createMeeting } from "../../src/operations/meetings.ts";
import { addModerator } from "../../src/operations/moderators.ts";
import { browserUnavailable, checkPage, startBrowser, type TestBrowser } from "../support/browser.ts";
import { community } from "../support/network.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";

const PASSWORD = "correct horse battery";
let praxis: TestPraxis;
let browser: TestBrowser;
let meetingUrl: string;
const startIn = (days: number) => `${new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10)}T19:00`;

describe.skipIf(browserUnavailable)("meetings in a browser", () => {
  beforeAll(async () => {
    praxis = await startPraxis();
    await community(praxis, "nurses");
    await createAccount(praxis, { username: "maya", password: PASSWORD }, "test:operator");
    await addModerator(praxis, "nurses", "maya", "test:operator");
    const m = await createMeeting(praxis, "nurses", {
      title: "Night shift handover circle, with a rather long title to wrap", start: startIn(3), duration: 90, timezone: "Europe/Paris",
      repeat: "biweekly", count: 4, place: "Hôpital Purpan, salle 12", online: "https://visio.example/handover-circle-with-a-long-address",
      capacity: 12, description: "Bring one story.\n\nWe keep it short.",
    }, "test");
    meetingUrl = m.upcoming[0].url;
    browser = await startBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await praxis?.stop();
  });

  async function signIn(page: Page): Promise<void> {
    await page.goto(new URL("/login?lang=en", praxis.origin).href);
    await page.getByLabel("Username").fill("maya");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/console/);
  }

  it("every meetings page is accessible and fits a 360 px screen; the console form schedules a meeting", async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    const check = async (name: string) => {
      const { violations, overflow } = await checkPage(page, `meetings-${name}`);
      for (const v of violations) problems.push(`${name}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes.join(", ")}`);
      if (overflow > 0) problems.push(`${name}: ${overflow} px wider than a 360 px screen`);
    };
    for (const [name, url] of [["community", `${praxis.origin}/c/nurses`], ["meeting", meetingUrl], ["meeting-fr", `${meetingUrl}?lang=fr`]]) {
      await page.goto(url);
      await check(name);
    }
    await signIn(page);
    await page.goto(`${praxis.origin}/console/c/nurses/meetings?lang=en`);
    await check("console");
    await page.getByLabel("Title").fill("Ward walk");
    await page.getByLabel(/^Start/).fill(startIn(5));
    await page.getByLabel(/Time zone/).fill("Europe/Paris");
    await page.getByRole("button", { name: "Schedule a meeting" }).click();
    await page.waitForURL(/\/console\/c\/nurses\/meetings$/);
    expect(await page.content()).toContain("Ward walk");
    await check("console-after");
    expect(problems).toEqual([]);
  });
});
