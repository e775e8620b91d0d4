// A moderator and an operator in Chromium (360 px): sign in, approve a
// Fedify peer's join request (the peer receives Accept), remove its post
// (the peer receives the withdrawal), get bad input answered next to the
// field; every action is in the audit log as account:<username>; form posts
// without a session, without the CSRF token or from another site are
// refused; sign-in failures are uniform and limited; every console page
// passes axe-core at 360 and 1280 px. Screenshots go to test-artifacts/.
import { Follow } from "@fedify/vocab";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount } from "../../src/operations/accounts.ts";
import { listAudit } from "../../src/operations/audit.ts";
import { createCommunity } from "../../src/operations/communities.ts";
import { listMembers } from "../../src/operations/members.ts";
import { addModerator } from "../../src/operations/moderators.ts";
import { browserUnavailable, checkPage, startBrowser, type TestBrowser } from "../support/browser.ts";
import { waitFor } from "../support/net.ts";
import { startPeer, type Peer } from "../support/peer.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";

const PASSWORD = "correct horse battery staple";

let praxis: TestPraxis;
let peer: Peer;
let browser: TestBrowser;
let circle: string;
let followId: string;

async function signIn(page: Page, username: string): Promise<void> {
  await page.context().clearCookies();
  await page.goto(new URL("/login", praxis.origin).href);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/console$/);
}

describe.skipIf(browserUnavailable)("the console in a browser", () => {
  beforeAll(async () => {
    // trustProxy: the sign-in limit test stands for another client with X-Forwarded-For.
    praxis = await startPraxis({ console: { loginAttemptsPerWindow: 4 }, trustProxy: true });
    peer = await startPeer({ hostname: "127.0.0.3", users: ["alice", "bob"] });
    await createCommunity(praxis, "circle", { name: "Care circle", closed: true });
    circle = `${praxis.origin}/c/circle`;
    await createAccount(praxis, { username: "maya", password: PASSWORD }, "test:operator");
    await addModerator(praxis, "circle", "maya", "test:operator");
    await createAccount(praxis, { username: "olga", role: "operator", password: PASSWORD }, "test:operator");
    // A join request with a message, as Mastodon sends a Follow.
    const follow = new Follow({
      id: new URL(`${peer.userUri("alice")}/follows/${crypto.randomUUID()}`), actor: new URL(peer.userUri("alice")), object: new URL(circle),
      content: "I run the night ward in Lyon.",
    });
    followId = follow.id!.href;
    await peer.send("alice", follow, [circle]);
    await waitFor(async () => (await listMembers(praxis, "circle", true)).length === 1, "a pending request");
    browser = await startBrowser();
    browser.context.on("page", (p) => p.on("dialog", (d) => void d.accept()));
  });

  afterAll(async () => {
    await browser?.close();
    await peer?.stop();
    await praxis?.stop();
  });

  it("a moderator signs in, approves a join request (the peer receives Accept) and removes a post (the peer receives the withdrawal)", async () => {
    const page = await browser.newPage();
    await page.goto(new URL("/console", praxis.origin).href);
    await page.waitForURL(/\/login\?next=%2Fconsole/);
    await signIn(page, "maya");
    await expect.poll(() => page.locator("main").innerText()).toContain("1 join request");
    await page.getByRole("link", { name: "Care circle" }).click();
    const main = page.locator("main");
    await expect.poll(() => main.innerText()).toContain("I run the night ward in Lyon.");
    await page.getByRole("button", { name: "Approve" }).click();
    await expect.poll(() => page.getByRole("status").innerText()).toContain("is now a member");
    const accept = await waitFor(() => peer.receivedOf("Accept", (r) => r.actor === circle)[0], "Accept");
    const accepted = accept.json.object;
    expect(typeof accepted === "string" ? accepted : accepted.id).toBe(followId);

    // Alice, now a member, posts; the moderator removes it.
    const { noteId } = await peer.post("alice", { content: "<p>Selling vitamins, cheap!</p>", mention: [circle] });
    await waitFor(() => peer.receivedOf("Announce", (r) => r.actor === circle && r.json.object === noteId)[0], "the boost");
    await page.getByRole("link", { name: "Posts" }).click();
    await expect.poll(() => main.innerText()).toContain("Selling vitamins");
    await page.getByLabel("Reason (optional)").first().fill("Spam");
    await page.getByRole("button", { name: "Remove" }).first().click();
    await expect.poll(() => page.getByRole("status").innerText()).toContain("The post was removed");
    await waitFor(() => peer.receivedOf("Undo", (r) => r.actor === circle && r.json.object?.object === noteId)[0], "Undo of the boost");
    await expect.poll(() => main.innerText()).toContain("Removed");

    const audit = await listAudit(praxis, { community: "circle" });
    expect(audit.find((e) => e.action === "member.approve")?.actor).toBe("account:maya");
    expect(audit.find((e) => e.action === "post.remove")?.actor).toBe("account:maya");
    await page.close();
  });

  it("answers bad input with a message next to the field, keeping what was typed", async () => {
    const page = await browser.newPage();
    await signIn(page, "maya");
    await page.goto(new URL("/console/c/circle/members", praxis.origin).href);
    const form = page.locator("#form-ban");
    await form.getByLabel("Account").fill(peer.userUri("bob"));
    await form.getByLabel(/Ban until/).fill("someday");
    await form.getByRole("button", { name: "Ban" }).click();
    const expires = form.getByLabel(/Ban until/);
    await expect.poll(() => expires.getAttribute("aria-invalid")).toBe("true");
    expect(await expires.inputValue()).toBe("someday");
    const described = (await expires.getAttribute("aria-describedby"))!.split(" ");
    const error = page.locator(`#${described.find((id) => id.endsWith("-error"))}`);
    expect(await error.innerText()).toMatch(/^This value was not accepted: /);
    expect(await form.getByLabel("Account").inputValue()).toBe(peer.userUri("bob"));
    await page.close();
  });

  it("refuses form posts without a session, without the CSRF token, or from another site", async () => {
    const page = await browser.newPage();
    await signIn(page, "maya");
    const cookie = (await browser.context.cookies(praxis.origin)).find((c) => c.name === "praxis_session")!;
    const csrf = await (await page.goto(new URL("/console/c/circle/members", praxis.origin).href))!.text()
      .then((text) => /name="_csrf" value="([^"]+)"/.exec(text)![1]);
    const post = (headers: Record<string, string>, body: Record<string, string>) => fetch(new URL("/console/c/circle/members/ban", praxis.origin), {
      method: "POST", redirect: "manual",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: praxis.origin, ...headers },
      body: new URLSearchParams({ actor: peer.userUri("bob"), ...body }),
    });
    const session = `praxis_session=${cookie.value}`;
    expect((await post({}, { _csrf: csrf })).status).toBe(403);
    expect((await post({ Cookie: session }, {})).status).toBe(403);
    expect((await post({ Cookie: session }, { _csrf: "forged" })).status).toBe(403);
    expect((await post({ Cookie: session, Origin: "https://evil.example" }, { _csrf: csrf })).status).toBe(403);
    expect(await praxis.services.repos.bans.isBanned((await praxis.services.repos.communities.findBySlug("circle"))!.id, peer.userUri("bob"))).toBe(false);
    // The same post, from the page, with its token: accepted.
    expect((await post({ Cookie: session }, { _csrf: csrf })).status).toBe(303);
    // A moderator cannot reach the operators' pages.
    expect((await fetch(new URL("/console/domains", praxis.origin), { headers: { Cookie: session } })).status).toBe(403);
    await page.close();
  });

  it("says the same for a wrong password and an unknown user, and limits attempts", async () => {
    const attempt = (username: string, password: string) => fetch(new URL("/login", praxis.origin), {
      method: "POST", redirect: "manual",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: praxis.origin, "X-Forwarded-For": "192.0.2.7" },
      body: new URLSearchParams({ username, password }),
    });
    const wrong = await attempt("maya", "not the password at all");
    const unknown = await attempt("nobody", "not the password at all");
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const message = (text: string) => /<p class="notice error" role="alert" id="login-error">([^<]*)<\/p>/.exec(text)?.[1];
    expect(message(await wrong.text())).toBe("Wrong username or password.");
    expect(message(await unknown.text())).toBe("Wrong username or password.");
    await attempt("maya", "still wrong, still wrong");
    await attempt("maya", "wrong a fourth time!");
    const limited = await attempt("maya", PASSWORD);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("every console page is accessible at 360 and 1280 px and fits a phone", async () => {
    await browser.context.clearCookies();
    const page = await browser.newPage();
    const problems: string[] = [];
    const check = async (name: string) => {
      const { violations, overflow } = await checkPage(page, `console-${name}`);
      for (const v of violations) problems.push(`${name}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes.join(", ")}`);
      if (overflow > 0) problems.push(`${name}: ${overflow} px wider than a 360 px screen`);
    };
    await page.goto(new URL("/login", praxis.origin).href);
    await check("login");
    await signIn(page, "olga");
    await check("dashboard");
    for (const tab of ["members", "links", "reports", "posts", "meetings", "resources", "glossary", "deliverables", "settings", "audit"]) {
      await page.goto(new URL(`/console/c/circle/${tab}`, praxis.origin).href);
      await check(`community-${tab}`);
    }
    for (const path of ["domains", "accounts", "tokens", "queue", "audit"]) {
      await page.goto(new URL(`/console/${path}`, praxis.origin).href);
      await check(path);
    }
    // A refused form, and a page in French.
    await page.goto(new URL("/console/domains", praxis.origin).href);
    await page.locator("#form-block").getByLabel(/^Server/).fill("not a host/with a path");
    await page.locator("#form-block").getByRole("button", { name: "Block" }).click();
    await expect.poll(() => page.locator("#form-block [aria-invalid=true]").count()).toBe(1);
    await check("domains-error");
    await page.goto(new URL("/console/c/circle/settings?lang=fr", praxis.origin).href);
    expect(await page.locator("h2").first().innerText()).toBe("Communauté");
    await check("community-settings-fr");
    expect(problems).toEqual([]);
    await page.close();
  });
});
