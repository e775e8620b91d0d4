// The small glue between Hono and Fedify (@fedify/hono is not available for
// Fedify 2 here): Fedify answers the ActivityPub routes it owns, Hono the rest.
import type { Federation, KvStore, MessageQueue } from "@fedify/fedify";
import type { MiddlewareHandler } from "hono";
import { INSTANCE_ACTOR } from "../federation/addressing.ts";
import { contextLoaderOf } from "../federation/context-loader.ts";
import { extendGroupJson } from "../federation/group-extensions.ts";
import { KeyMemory } from "../federation/inbox-accept.ts";
import { createInboxPrecheck } from "../federation/inbox-precheck.ts";
import { MODERATION_ACTOR } from "../federation/moderation.ts";
import { withFetchBudget } from "../net/outbound.ts";
import { BodyTooLargeError, readCapped } from "../net/read-capped.ts";
import type { AppServices } from "../services.ts";
import { createInboxGuard } from "./inbox-guard.ts";
import { handleInboxPost, INBOX_PATH } from "./inbox-post.ts";
import type { WebEnv } from "./public-origin.ts";

const GROUP_PATH = /^\/c\/([^/]+)$/;
/**
 * The instance and moderation actors live at /actor and /actor/moderation,
 * outside the communities' /c/ space, although Fedify's single actor
 * template would also answer for them under /c/.
 */
const SERVICE_ACTOR_UNDER_C = new RegExp(`^/c/(?:${[INSTANCE_ACTOR, MODERATION_ACTOR].map((i) => i.replace(".", "\\.")).join("|")})(?:/|$)`);

/**
 * `kv`: Fedify's key–value store (for its public-key cache), and `queue`:
 * the queue its worker reads, when the caller has them; with both, inbox
 * deliveries signed over HTTP only are accepted without Fedify's handler.
 */
export function fedifyMiddleware(federation: Federation<AppServices>, services: AppServices, kv: KvStore | null, queue: MessageQueue | null = null): MiddlewareHandler<WebEnv> {
  const limit = services.config.limits.maxBodyBytes;
  const inboxGuard = createInboxGuard(services);
  const contextLoader = contextLoaderOf(federation);
  const inboxPrecheck = createInboxPrecheck(contextLoader);
  const direct = kv && queue && contextLoader
    ? { queue, keys: new KeyMemory(kv, contextLoader.load), origin: new URL(services.config.origin).origin }
    : null;
  return async (c, next) => {
    let request = c.req.raw;
    const pathname = new URL(request.url).pathname;
    if (SERVICE_ACTOR_UNDER_C.test(pathname.replace(/%2e/gi, "."))) return next();
    const fedify = (r: Request) => federation.fetch(r, {
      contextData: services,
      onNotFound: async () => {
        await next();
        return c.res;
      },
      onNotAcceptable: async () => {
        await next();
        if (c.res.status !== 404) {
          c.res.headers.append("Vary", "Accept");
          return c.res;
        }
        return new Response("Not acceptable", { status: 406, headers: { "Content-Type": "text/plain", Vary: "Accept" } });
      },
    });
    if (request.method === "POST" || request.method === "PUT") {
      let body: Uint8Array<ArrayBuffer> | null;
      try {
        body = await readCapped(request, limit);
      } catch (e) {
        if (e instanceof BodyTooLargeError) {
          // The rest of the body is never read, so the connection cannot be reused.
          return c.text(`Request body exceeds the limit of ${limit} bytes.`, 413, { Connection: "close" });
        }
        throw e;
      }
      // Order: body size (above), the inbox guard (shape, domain policy,
      // signature present, rate limits), the precheck (date-times, JSON-LD
      // contexts), then Fedify within the guard's scope.
      const guard = async () => {
        const verdict = await inboxGuard(request, body, c.get("clientAddress"));
        if (verdict instanceof Response) return verdict;
        return (await inboxPrecheck(request, body)) ?? verdict;
      };
      if (request.method === "POST" && INBOX_PATH.test(pathname)) {
        // Every fetch made before answering (keys, actors, contexts) shares one budget.
        return withFetchBudget(services.config.outbound.inboxFetchBudgetSeconds * 1000,
          () => handleInboxPost(request, body, { federation, services, kv, guard, handle: fedify, direct }));
      }
      const verdict = await guard();
      if (verdict instanceof Response) return verdict;
      request = new Request(request.url, { method: request.method, headers: verdict?.headers ?? request.headers, body });
      if (verdict) return verdict.run(() => fedify(request));
    }
    const response = await fedify(request);
    return request.method === "GET" ? withGroupExtensions(response, pathname, services) : response;
  };
}

/** Adds the Praxis and Lemmy terms to a Group actor document Fedify served. */
async function withGroupExtensions(response: Response, pathname: string, services: AppServices): Promise<Response> {
  const match = GROUP_PATH.exec(pathname);
  const type = response.headers.get("content-type") ?? "";
  if (!match || response.status !== 200 || !/application\/(activity|ld)\+json/.test(type)) return response;
  const community = await services.repos.communities.findBySlug(decodeURIComponent(match[1]));
  if (!community || community.deletedAt) return response;
  const json = extendGroupJson(await response.json(), community, services.config.origin);
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  return new Response(JSON.stringify(json), { status: 200, headers });
}
