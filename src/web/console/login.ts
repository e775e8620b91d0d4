// Signing in and out. A refused sign-in says only "wrong username or
// password", takes as long whether or not the username exists, and counts
// against both the client's address and the username.
import { Hono } from "hono";
import { t } from "../i18n.ts";
import { renderLayout } from "../pages/layout.ts";
import { html } from "../sanitize.ts";
import type { Lang } from "../views.ts";
import type { Console, ConsoleEnv } from "./index.ts";
import { csrfMatches, FailureLimiter } from "./session.ts";

/** Where to go after signing in: a console path, never elsewhere. */
function nextPath(value: unknown): string {
  return typeof value === "string" && /^\/console(?:\/[\w./%-]*)?$/.test(value) && !value.includes("//") ? value : "/console";
}

export function loginRoutes(console: Console): Hono<ConsoleEnv> {
  const r = new Hono<ConsoleEnv>();
  const { config } = console.deps.services;
  const limiter = new FailureLimiter(config.console.loginAttemptsPerWindow, config.console.loginWindowSeconds);

  function loginPage(lang: Lang, url: URL, o: { username?: string; error?: string | null; notice?: string | null; next?: string }): string {
    const error = o.error ?? null;
    const body = html`<h1>${t(lang, "login.title")}</h1>
<p>${t(lang, "login.intro")}</p>
${o.notice && html`<p class="notice" role="status">${o.notice}</p>`}
${error && html`<p class="notice error" role="alert" id="login-error">${error}</p>`}
<form method="post" action="/login">
<input type="hidden" name="next" value="${o.next ?? "/console"}">
<div class="field"><label for="login-username">${t(lang, "login.username")}</label>
<input type="text" id="login-username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required value="${o.username ?? ""}"${
      error && html` aria-describedby="login-error" aria-invalid="true"`}></div>
<div class="field"><label for="login-password">${t(lang, "login.password")}</label>
<input type="password" id="login-password" name="password" autocomplete="current-password" required${
      error && html` aria-describedby="login-error" aria-invalid="true"`}></div>
<button type="submit">${t(lang, "login.submit")}</button>
</form>
<p class="muted">${t(lang, "login.noAccount")}</p>`;
    return renderLayout({ lang, title: t(lang, "login.title"), instance: console.deps.data.instance(lang), body, url, noindex: true });
  }

  r.get("/login", async (c) => {
    const lang = console.deps.langOf(c);
    if (await console.sessions.current(c)) return c.redirect(nextPath(c.req.query("next")), 303);
    const notice = c.req.query("out") === "1" ? t(lang, "login.signedOut") : null;
    return c.html(loginPage(lang, new URL(c.req.url), { notice, next: nextPath(c.req.query("next")) }));
  });

  r.post("/login", async (c) => {
    const lang = console.deps.langOf(c);
    const url = new URL(c.req.url);
    const form = await c.req.parseBody();
    const username = typeof form.username === "string" ? form.username.trim().toLowerCase().slice(0, 64) : "";
    const password = typeof form.password === "string" ? form.password.slice(0, 1024) : "";
    const next = nextPath(form.next);
    if (!username || !password) return c.html(loginPage(lang, url, { username, error: t(lang, "login.required"), next }), 400);
    const address = `address:${c.get("clientAddress") ?? "unknown"}`;
    const user = `user:${username}`;
    const wait = Math.max(limiter.retryAfter(address), limiter.retryAfter(user));
    if (wait > 0) {
      const res = c.html(loginPage(lang, url, { username, error: t(lang, "login.limited", { minutes: Math.ceil(wait / 60) }), next }), 429);
      res.headers.set("Retry-After", String(wait));
      return res;
    }
    const account = await console.sessions.checkPassword(username, password);
    if (!account) {
      limiter.fail(address);
      limiter.fail(user);
      return c.html(loginPage(lang, url, { username, error: t(lang, "login.failed"), next }), 401);
    }
    limiter.reset(user);
    await console.sessions.start(c, account, c.get("clientAddress"));
    return c.redirect(next, 303);
  });

  r.post("/logout", async (c) => {
    const session = await console.sessions.current(c);
    const form = await c.req.parseBody();
    if (session && !csrfMatches(session, form._csrf)) return console.refuse(c, "console.csrf");
    await console.sessions.end(c, session);
    return c.redirect("/login?out=1", 303);
  });

  return r;
}
