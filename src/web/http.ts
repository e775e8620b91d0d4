// HTTP for pages and feeds: caching (ETag with conditional GET,
// Cache-Control), compression, and the headers every HTML response carries
// (CSP, Content-Language, one Vary).
import type { MiddlewareHandler } from "hono";
import { compress } from "hono/compress";
import { etag } from "hono/etag";
import { every } from "hono/combine";
import type { Lang } from "./views.ts";
import { CONTENT_SECURITY_POLICY } from "./pages/layout.ts";

/** What a page depends on besides its address: the format asked for, the
 *  reader's languages and their language cookie. */
const PAGE_VARY = ["Accept", "Accept-Language", "Cookie"];

/** Seconds a shared cache may keep a public page or feed. */
export const PUBLIC_MAX_AGE = 60;

/**
 * For public GET pages and feeds: compressed when the client accepts it,
 * a (weak) ETag answered with 304 when it still matches, and cacheable by
 * anyone for a minute unless the route said otherwise.
 */
export const cacheable: MiddlewareHandler = every(
  compress(),
  etag({ weak: true }),
  async (c, next) => {
    await next();
    if (c.res.ok && !c.res.headers.has("Cache-Control")) {
      c.header("Cache-Control", `public, max-age=${PUBLIC_MAX_AGE}`);
    }
    // Set before the ETag check, so that a 304 carries it too.
    if (c.res.headers.get("content-type")?.startsWith("text/html")) mergeVary(c.res.headers, PAGE_VARY);
  },
);

/** Pages that must never be stored (the console, sign-in, forms' answers). */
export const noStore: MiddlewareHandler = async (c, next) => {
  await next();
  c.header("Cache-Control", "no-store");
};

function mergeVary(headers: Headers, extra: string[]): void {
  const tokens = [...(headers.get("vary") ?? "").split(","), ...extra].map((v) => v.trim()).filter(Boolean);
  if (tokens.length === 0) return;
  if (tokens.includes("*")) {
    headers.set("Vary", "*");
    return;
  }
  const seen = new Map<string, string>();
  for (const token of tokens) if (!seen.has(token.toLowerCase())) seen.set(token.toLowerCase(), token);
  headers.set("Vary", [...seen.values()].join(", "));
}

/**
 * Headers on every response: nosniff; on HTML, the CSP and the language;
 * and a single Vary header (Fedify's content negotiation, the page language
 * and compression each add to it).
 */
export function responseHeaders(langOf: (c: Parameters<MiddlewareHandler>[0]) => Lang): MiddlewareHandler {
  return async (c, next) => {
    await next();
    // Some responses (a 304, Fedify's) have immutable headers: copy them.
    let res = c.res;
    try {
      res.headers.set("X-Content-Type-Options", "nosniff");
    } catch {
      res = new Response(res.body, res);
      res.headers.set("X-Content-Type-Options", "nosniff");
    }
    const html = res.headers.get("content-type")?.startsWith("text/html") ?? false;
    if (html) {
      // Remote HTML is sanitised; the policy is the second line of defence.
      res.headers.set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
      res.headers.set("Content-Language", langOf(c));
      res.headers.set("Referrer-Policy", "same-origin");
      mergeVary(res.headers, PAGE_VARY);
    } else {
      mergeVary(res.headers, []);
    }
    c.res = res;
  };
}
