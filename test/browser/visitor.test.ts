// A visitor in Chromium (360 px, as on a phone): reads a community, opens a
// thread, pages back, switches to French and stays in French, follows from
// their own server; every visitor page passes axe-core without a serious
// or critical violation at 360 and 1280 px, and fits a 360 px screen.
// Screenshots at 360 px go to test-artifacts/screenshots/.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommunity, updateCommunity } from "../../src/operations/communities.ts";
import { addModerator } from "../../src/operations/moderators.ts";
import { createAccount } from "../../src/operations/accounts.ts";
import { defineTerm } from "../../src/operations/glossary.ts";
import { createMeeting } from "../../src/operations/meetings.ts";
import { addResource } from "../../src/operations/resources.ts";
import { browserUnavailable, checkPage, startBrowser, type TestBrowser } from "../support/browser.ts";
import { waitFor } from "../support/net.ts";
import { community, link } from "../support/network.ts";
import { startPeer, type Peer } from "../support/peer.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";

let praxis: TestPraxis;
let far: TestPraxis;
let peer: Peer;
let browser: TestBrowser;
let nurses: string;
let threadId: string;
let meetingPath: string;
let resourcePath: string;

describe.skipIf(browserUnavailable)("a visitor in a browser", () => {
  beforeAll(async () => {
    praxis = await startPraxis();
    far = await startPraxis();
    peer = await startPeer({ hostname: "127.0.0.2", users: ["alice", "bob", "carol"] });
    await createCommunity(praxis, "nurses", {
      name: "Night nurses of the Occitanie region", summary: "Sharing what works on the ward, at night.", languages: "en,fr", scale: "regional",
    });
    await updateCommunity(praxis, "nurses", { rules: "Be kind.\nNo patient data, ever." }, "test:operator");
    await createAccount(praxis, { username: "maya", actor: peer.userUri("carol"), password: "correct horse battery" }, "test:operator");
    await addModerator(praxis, "nurses", "maya", "test:operator");
    await createCommunity(praxis, "quiet", { name: "Quiet circle", closed: true });
    nurses = `${praxis.origin}/c/nurses`;
    // A sub-community on another server, linked by the real handshake.
    const ward = await community(far, "ward");
    await link({ server: praxis, slug: "nurses", uri: nurses }, ward);
    for (const user of ["alice", "bob", "carol"]) await peer.follow(user, nurses);
    await waitFor(async () => (await praxis.services.repos.memberships.count((await praxis.services.repos.communities.findBySlug("nurses"))!.id)) === 3, "members");
    const root = await peer.post("alice", { content: "<p>How do you hand over at night? We tried a <strong>checklist</strong>.</p>", mention: [nurses] });
    const reply = await peer.post("bob", { content: "<p>We read it aloud at the bedside.</p>", mention: [nurses], inReplyTo: root.noteId });
    await peer.post("carol", { content: "<p>Which checklist do you use?</p>", mention: [nurses], inReplyTo: reply.noteId });
    await peer.like("bob", root.noteId, [nurses]);
    for (let i = 1; i <= 22; i++) await peer.post(i % 2 ? "bob" : "carol", { content: `<p>Shift note ${i}: all quiet.</p>`, mention: [nurses] });
    const row = await waitFor(async () => (await praxis.services.repos.posts.findByObject(root.noteId))[0], "thread stored");
    threadId = row.id;
    await waitFor(async () => (await praxis.services.repos.posts.count()) >= 25, "all posts stored");
    // What the practice features add to the community: a meeting series, a resource, a definition.
    const start = `${new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10)}T21:00`;
    const meeting = await createMeeting(praxis, "nurses", {
      title: "Night handover circle", start, duration: 45, timezone: "Europe/Paris", repeat: "weekly", count: 6,
      online: "https://meet.example/handover", description: "Bring one thing that worked this week.", capacity: 12,
    }, "test");
    meetingPath = new URL(meeting.upcoming[0].url).pathname;
    const resource = await addResource(praxis, "nurses", {
      title: "Bedside handover checklist", markdown: "# Checklist\n\n1. Read it aloud\n2. Check the drips\n\n| Step | Who |\n|---|---|\n| Read | Both |", kind: "protocol", language: "en",
    }, "test");
    resourcePath = new URL(resource.uri).pathname;
    await defineTerm(praxis, "nurses", "Handover", { definition: "Passing the care of patients to the next shift, with what they need to know.", language: "en" }, "test");
    browser = await startBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await peer?.stop();
    await far?.stop();
    await praxis?.stop();
  });

  it("opens a thread page, pages back, switches to French and stays in French", async () => {
    const page = await browser.newPage();
    await page.goto(nurses);
    expect(await page.locator("html").getAttribute("lang")).toBe("en");
    // The thread is on the second page (22 newer posts): page back to it.
    await page.getByRole("link", { name: "Older posts" }).click();
    await page.waitForURL(/before=/);
    await page.getByRole("link", { name: "1 like" }).or(page.getByRole("link", { name: "2 replies" })).first().click();
    await page.waitForURL(new RegExp(`/c/nurses/posts/${threadId}$`));
    await expect.poll(() => page.locator("main").innerText()).toContain("Which checklist do you use?");
    expect(await page.locator("h2#replies-heading").innerText()).toContain("Replies");
    // Back to the first page from the second.
    await page.goBack();
    await page.getByRole("link", { name: "Newer posts" }).click();
    await expect.poll(() => page.locator("main").innerText()).toContain("Shift note 22");
    // French, then a click on another page: still French.
    await page.getByRole("link", { name: "Français" }).click();
    await expect.poll(() => page.locator("html").getAttribute("lang")).toBe("fr");
    await page.getByRole("link", { name: "Ouvrir la discussion" }).or(page.getByRole("link", { name: /^\d+ réponses?$/ })).first().click();
    await page.waitForURL(/\/posts\//);
    expect(await page.locator("html").getAttribute("lang")).toBe("fr");
    await page.getByRole("link", { name: "Night nurses of the Occitanie region" }).first().click();
    await page.waitForURL(nurses);
    expect(await page.locator("html").getAttribute("lang")).toBe("fr");
    expect(await page.locator("main").innerText()).toContain("Publications récentes");
    await page.getByRole("link", { name: "English" }).click();
    await expect.poll(() => page.locator("html").getAttribute("lang")).toBe("en");
    await page.close();
  });

  it("sends the remote-follow form to the visitor's server's interaction page", async () => {
    const page = await browser.newPage();
    await page.goto(nurses);
    // The copy button appears when the script runs; the handle is there without it.
    await expect.poll(() => page.getByRole("button", { name: "Copy" }).isVisible()).toBe(true);
    expect(await page.getByLabel("The community’s handle").inputValue()).toBe(`@nurses@${new URL(praxis.origin).host}`);
    await page.getByLabel(/Your handle or server/).fill(peer.origin);
    await page.getByRole("button", { name: "Follow", exact: true }).click();
    await page.waitForURL((url) => url.origin === peer.origin);
    expect(page.url()).toBe(`${peer.origin}/authorize_interaction?uri=${encodeURIComponent(nurses)}`);
    await page.close();
  });

  it("every visitor page is accessible at 360 and 1280 px and fits a phone", async () => {
    const page = await browser.newPage();
    const pages: [string, string][] = [
      ["home", "/"],
      ["community", "/c/nurses"],
      ["community-older", "/c/nurses?sort=active"],
      ["thread", `/c/nurses/posts/${threadId}`],
      ["network", "/c/nurses/network"],
      ["resources", "/c/nurses/resources"],
      ["resource", resourcePath],
      ["meeting", meetingPath],
      ["practice", "/c/nurses/practice"],
      ["glossary", "/c/nurses/glossary"],
      ["closed-community", "/c/quiet"],
      ["collection", "/c/nurses/outbox"],
      ["login", "/login"],
      ["not-found", "/c/nobody"],
      ["community-fr", "/c/nurses?lang=fr"],
    ];
    const problems: string[] = [];
    for (const [name, path] of pages) {
      const response = await page.goto(new URL(path, praxis.origin).href);
      if (name !== "not-found" && name !== "closed-community") expect(response!.status(), name).toBe(200);
      const { violations, overflow } = await checkPage(page, `visitor-${name}`);
      for (const v of violations) problems.push(`${name}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes.join(", ")}`);
      if (overflow > 0) problems.push(`${name}: ${overflow} px wider than a 360 px screen`);
    }
    // The follow form's error page too.
    await page.goto(`${nurses}?lang=en`);
    await page.getByLabel(/Your handle or server/).fill("not a handle");
    await page.getByRole("button", { name: "Follow", exact: true }).click();
    await page.waitForURL(/\/follow$/);
    const { violations } = await checkPage(page, "visitor-follow-error");
    for (const v of violations) problems.push(`follow-error: ${v.id} ${v.help}`);
    expect(problems).toEqual([]);
    await page.close();
  });
});
