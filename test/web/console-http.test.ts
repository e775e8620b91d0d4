// The console over HTTP: the session cookie's attributes on an https
// origin, sign-out and password resets ending sessions, scope (a moderator
// reaches only their communities), no caching, and the queue page retrying
// dead letters through the shared operation, audited as account:<name>.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount, resetPassword } from "../../src/operations/accounts.ts";
import { listAudit } from "../../src/operations/audit.ts";
import { createCommunity } from "../../src/operations/communities.ts";
import { addModerator } from "../../src/operations/moderators.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";

const PASSWORD = "a long enough password";
let praxis: TestPraxis;

async function signIn(username: string, server = praxis): Promise<{ cookie: string; setCookie: string }> {
  const res = await server.web.request(new URL("/login", server.origin).href, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: server.origin },
    body: new URLSearchParams({ username, password: PASSWORD }).toString(),
  });
  expect(res.status).toBe(303);
  const setCookie = res.headers.get("set-cookie")!;
  return { cookie: setCookie.split(";")[0], setCookie };
}

async function get(path: string, cookie: string) {
  return praxis.web.request(new URL(path, praxis.origin).href, { headers: { Cookie: cookie, Accept: "text/html" } });
}

async function csrfOf(path: string, cookie: string): Promise<string> {
  return /name="_csrf" value="([^"]+)"/.exec(await (await get(path, cookie)).text())![1];
}

async function post(path: string, cookie: string, fields: Record<string, string>) {
  return praxis.web.request(new URL(path, praxis.origin).href, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: praxis.origin, Cookie: cookie },
    body: new URLSearchParams(fields).toString(),
  });
}

beforeAll(async () => {
  praxis = await startPraxis();
  await createCommunity(praxis, "mine", { name: "Mine" });
  await createCommunity(praxis, "theirs", { name: "Theirs" });
  await createAccount(praxis, { username: "maya", password: PASSWORD }, "test:operator");
  await addModerator(praxis, "mine", "maya", "test:operator");
  await createAccount(praxis, { username: "olga", role: "operator", password: PASSWORD }, "test:operator");
});

afterAll(async () => {
  await praxis?.stop();
});

describe("console sessions", () => {
  it("use an HttpOnly, SameSite, Secure __Host- cookie on an https origin", async () => {
    const https = await startPraxis({ origin: "https://cop.example" });
    try {
      await createAccount(https, { username: "maya", password: PASSWORD }, "test:operator");
      const { setCookie } = await signIn("maya", https);
      expect(setCookie).toMatch(/^__Host-praxis_session=[\w-]{43}; Max-Age=\d+; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    } finally {
      await https.stop();
    }
    const { setCookie } = await signIn("maya");
    expect(setCookie).toMatch(/^praxis_session=[\w-]{43}; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax$/);
  });

  it("end at sign-out and when the password is reset, and console pages are never cached", async () => {
    const { cookie } = await signIn("maya");
    const page = await get("/console", cookie);
    expect(page.status).toBe(200);
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(await post("/logout", cookie, { _csrf: await csrfOf("/console", cookie) })).toHaveProperty("status", 303);
    expect((await get("/console", cookie)).status).toBe(303);

    const again = await signIn("maya");
    expect((await get("/console", again.cookie)).status).toBe(200);
    await resetPassword(praxis, "maya", PASSWORD, "test:operator");
    const after = await get("/console", again.cookie);
    expect(after.status).toBe(303);
    expect(after.headers.get("location")).toBe("/login?next=%2Fconsole");
  });

  it("let a moderator reach only the communities they moderate", async () => {
    const { cookie } = await signIn("maya");
    expect((await get("/console/c/mine/members", cookie)).status).toBe(200);
    expect((await get("/console/c/theirs/members", cookie)).status).toBe(403);
    const csrf = await csrfOf("/console/c/mine/members", cookie);
    expect((await post("/console/c/theirs/settings/community", cookie, { _csrf: csrf, name: "Taken" })).status).toBe(403);
    expect((await praxis.services.repos.communities.findBySlug("theirs"))!.name).toBe("Theirs");
    // The dashboard lists only theirs.
    const dashboard = await (await get("/console", cookie)).text();
    expect(dashboard).toContain(">Mine</a>");
    expect(dashboard).not.toContain(">Theirs</a>");
  });

  it("settings are saved through the shared operation, audited as the account, with bad input next to the field", async () => {
    const { cookie } = await signIn("maya");
    const csrf = await csrfOf("/console/c/mine/settings", cookie);
    const bad = await post("/console/c/mine/settings/community", cookie, { _csrf: csrf, _form: "community", name: " ", summary: "", rules: "", membership: "open", posting: "members" });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/<input type="text" id="community-name" name="name" required aria-describedby="community-name-error" aria-invalid="true" value=" ">\n<span class="error" id="community-name-error">This value was not accepted: must be 1–100 characters<\/span>/);
    const ok = await post("/console/c/mine/settings/community", cookie, {
      _csrf: csrf, _form: "community", name: "Mine, renamed", summary: "About us", rules: "Be kind\nCite sources", membership: "closed", posting: "anyone", announcementOnly: "on",
    });
    expect(ok.status).toBe(303);
    const mine = (await praxis.services.repos.communities.findBySlug("mine"))!;
    expect(mine).toMatchObject({ name: "Mine, renamed", rules: "Be kind\nCite sources", closed: true, postingPolicy: "anyone", announcementOnly: true });
    const entry = (await listAudit(praxis, { community: "mine" })).find((e) => e.action === "community.update")!;
    expect(entry.actor).toBe("account:maya");
    // The message of the action is shown once on the next page.
    const next = await get("/console/c/mine/settings", `${cookie}; ${ok.headers.get("set-cookie")!.split(";")[0]}`);
    expect(await next.text()).toContain(`<p class="notice" role="status">Saved; members’ servers were told.</p>`);
  });
});

describe("the operators' queue page", () => {
  it("retries a dead letter through the shared operation", async () => {
    const { cookie } = await signIn("olga");
    await praxis.services.db.insertInto("fedify_message").values({
      id: crypto.randomUUID(), queue: "default", payload: JSON.stringify({ type: "outbox" }), ordering_key: null,
      available_at: Date.now() + 3_600_000, created_at: Date.now(), seq: 1_000_000, attempts: 8, locked_until: null,
      lease_token: null, last_error: "HTTP 500 from the peer", dead: 1,
    }).execute();
    const page = await (await get("/console/queue", cookie)).text();
    expect(page).toContain("HTTP 500 from the peer");
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1];
    const res = await post("/console/queue/retry", cookie, { _csrf: csrf, _form: "retry-dead", dead: "on" });
    expect(res.status).toBe(303);
    expect((await praxis.queue.stats()).dead).toBe(0);
    expect((await listAudit(praxis, {})).find((e) => e.action === "queue.retry")).toMatchObject({ actor: "account:olga", details: { dead: true, deadRetried: 1 } });
    // A moderator does not see it.
    const maya = await signIn("maya");
    expect((await get("/console/queue", maya.cookie)).status).toBe(403);
  });
});
