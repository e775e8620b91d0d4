// The reader's language: an explicit choice (`?lang=`) is remembered in a
// cookie, so it holds on every later page; without one, the cookie, then
// Accept-Language, then the configured default.
import type { Context, MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { LANGUAGES, pickLanguage } from "./i18n.ts";
import type { Lang } from "./views.ts";

export const LANG_COOKIE = "praxis_lang";
const ONE_YEAR = 365 * 24 * 3600;

function isLang(value: string | undefined): value is Lang {
  return value !== undefined && (LANGUAGES as readonly string[]).includes(value);
}

/** The page language for this request. */
export function languageOf(c: Context, fallback: Lang): Lang {
  const cookie = getCookie(c, LANG_COOKIE);
  return pickLanguage(c.req.header("accept-language"), c.req.query("lang") ?? (isLang(cookie) ? cookie : undefined), fallback);
}

/** Remembers a `?lang=` choice; such a response is not shared by caches. */
export function rememberLanguage(origin: string): MiddlewareHandler {
  const secure = new URL(origin).protocol === "https:";
  return async (c, next) => {
    await next();
    const asked = c.req.query("lang")?.trim().toLowerCase().split("-")[0];
    if (c.req.method !== "GET" || !isLang(asked) || getCookie(c, LANG_COOKIE) === asked) return;
    if (!c.res.headers.get("content-type")?.startsWith("text/html")) return;
    setCookie(c, LANG_COOKIE, asked, { path: "/", maxAge: ONE_YEAR, sameSite: "Lax", secure, httpOnly: true });
    // A response that sets a cookie is for this reader only.
    if (c.res.headers.get("cache-control") !== "no-store") c.header("Cache-Control", "private, no-cache");
  };
}

/** The current address with `lang` set to `code` (other parameters kept). */
export function withLanguage(url: URL, code: Lang): string {
  const params = new URLSearchParams(url.search);
  params.set("lang", code);
  return `${url.pathname}?${params.toString()}`;
}
