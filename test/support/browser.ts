// A real browser for the web tests: Debian's Chromium driven by
// playwright-core (no browser download), headless, with a fresh profile.
// One browser per test file, reused by its tests. axe-core is injected into
// pages to check accessibility; screenshots go to test-artifacts/ (ignored
// by git).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";

export const CHROMIUM = process.env.PRAXIS_TEST_CHROMIUM ?? "/usr/bin/chromium";
export const ARTIFACTS = path.resolve(import.meta.dirname, "../../test-artifacts/screenshots");

/** Why browser tests cannot run here, or undefined when Chromium is installed. */
export const browserUnavailable: string | undefined = existsSync(CHROMIUM)
  ? undefined
  : `${CHROMIUM} is missing (apt-get install -y chromium, or set PRAXIS_TEST_CHROMIUM)`;
if (browserUnavailable) console.warn(`Skipping browser tests: ${browserUnavailable}.`);

export interface TestBrowser {
  context: BrowserContext;
  newPage(width?: number): Promise<Page>;
  close(): Promise<void>;
}

export async function startBrowser(): Promise<TestBrowser> {
  const profile = mkdtempSync(path.join(tmpdir(), "praxis-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
      "--disable-quic", "--no-first-run", "--disable-sync",
    ],
    viewport: { width: 360, height: 800 },
    locale: "en-GB",
  });
  context.setDefaultTimeout(15_000);
  return {
    context,
    async newPage(width = 360) {
      const page = await context.newPage();
      await page.setViewportSize({ width, height: 800 });
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/** axe-core's serious and critical violations on the page as it is now. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated by the DevTools protocol, which the page's CSP does not govern.
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (ctx: Document, o: unknown) => Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
    return axe.run(document, { resultTypes: ["violations"] });
  });
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(" ")) }));
}

/** Checks the page at phone and desktop widths, and screenshots it at 360 px. */
export async function checkPage(page: Page, name: string): Promise<{ violations: AxeViolation[]; overflow: number }> {
  const violations: AxeViolation[] = [];
  let overflow = 0;
  for (const width of [1280, 360]) {
    await page.setViewportSize({ width, height: 800 });
    for (const v of await seriousViolations(page)) violations.push({ ...v, id: `${v.id} @${width}px` });
    if (width === 360) {
      // Horizontal scrolling of the whole page (a wide diagram scrolls in its own box).
      overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
      // The first screens, legible when the whole page is too long to view at once.
      const height = await page.evaluate(() => document.documentElement.scrollHeight);
      if (height > 1600) await page.screenshot({ path: path.join(ARTIFACTS, `${name}-top.png`), clip: { x: 0, y: 0, width: 360, height: 1600 }, fullPage: true });
    }
  }
  return { violations, overflow };
}
