// The Hono application: the admin API, the console and the visitors' forms,
// then Fedify's routes, then the HTML pages and feeds (src/web/routes/).
import type { Federation, MessageQueue } from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";
import { type Context, Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { isDatabaseUnavailable, RETRY_AFTER_SECONDS } from "../db/faults.ts";
import { isPubliclyAddressed } from "../domain/access.ts";
import { membersOnlyRead } from "../federation/access.ts";
import type { AppServices } from "../services.ts";
import { ADMIN_API_PREFIX, createAdminApi } from "./admin/index.ts";
import { consoleRoutes } from "./console/index.ts";
import type { QueueHandles } from "../operations/queue.ts";
import { discoveryCors, registerDiscoveryRoutes } from "./discovery.ts";
import { fedifyMiddleware } from "./fedify.ts";
import { responseHeaders } from "./http.ts";
import { languageOf, rememberLanguage } from "./lang.ts";
import { PageData } from "./page-data.ts";
import { publicOriginMiddleware, type WebEnv } from "./public-origin.ts";
import { renderErrorPage } from "./pages/error.ts";
import { deliverableRoutes } from "./routes/deliverables.ts";
import { feedRoutes } from "./routes/feeds.ts";
import { followRoutes } from "./routes/follow.ts";
import { meetingRoutes } from "./routes/meetings.ts";
import { glossaryRoutes } from "./routes/glossary.ts";
import { metaRoutes } from "./routes/meta.ts";
import { publicRoutes } from "./routes/public.ts";
import { resourceRoutes } from "./routes/resources.ts";
import type { Lang } from "./views.ts";

export interface WebAppOptions {
  /** The delivery queue, for the console's queue page. */
  queue?: QueueHandles;
  /** The queue as Fedify uses it (behind the delivery gate), where inbox deliveries accepted directly are queued. */
  inboxQueue?: MessageQueue;
}

const logger = getLogger(["praxis", "web"]);

export function createWebApp(federation: Federation<AppServices>, services: AppServices, options: WebAppOptions = {}): Hono<WebEnv> {
  const { config, repos } = services;
  const app = new Hono<WebEnv>();
  const data = new PageData(federation, services);
  const langOf = (c: Context): Lang => languageOf(c, config.defaultLanguage);

  app.onError((error, c) => {
    if (error instanceof HTTPException) return error.getResponse();
    if (isDatabaseUnavailable(error)) {
      // Locked by another process past the bound, or PostgreSQL down: the
      // request was not accepted, and the sender should simply retry.
      logger.warn("Database unavailable on {method} {path}: {error}", { method: c.req.method, path: c.req.path, error: (error as Error).message });
      const headers = { "Retry-After": String(RETRY_AFTER_SECONDS) };
      if (c.req.method === "GET" && /text\/html/.test(c.req.header("accept") ?? "")) {
        return c.html(renderErrorPage({ instance: data.instance(langOf(c)), status: 503 }, langOf(c)), 503, headers);
      }
      return c.text("The database is busy; retry later.", 503, headers);
    }
    logger.error("Unhandled error on {method} {path}: {error}", { method: c.req.method, path: c.req.path, error });
    return c.html(renderErrorPage({ instance: data.instance(langOf(c)), status: 500 }, langOf(c)), 500);
  });

  // First of all: the request as addressed to the public origin.
  app.use(publicOriginMiddleware(config));
  // Outermost on the way back: nosniff, CSP and language on pages, one Vary.
  app.use(responseHeaders(langOf));
  app.use(rememberLanguage(config.origin));

  // The admin API, the console and the visitors' forms answer their own
  // routes before Fedify's middleware, which would otherwise consume
  // request bodies.
  app.route(ADMIN_API_PREFIX, createAdminApi({ services, federation }));
  app.route("/", consoleRoutes({ services, federation, queue: options.queue ?? null, data, langOf }));
  app.route("/", followRoutes({ data, langOf }));

  app.use(discoveryCors());
  app.use(fedifyMiddleware(federation, services, options.queue?.kv ?? null, options.inboxQueue ?? null));

  app.get("/healthz", (c) => c.json({ ok: true }));
  registerDiscoveryRoutes(app, config.origin);
  app.route("/", metaRoutes());
  app.route("/", deliverableRoutes(federation, services));
  app.route("/", feedRoutes({ data, langOf }));
  app.route("/", meetingRoutes({ data, federation, langOf }));
  app.route("/", resourceRoutes({ data, langOf }));
  app.route("/", publicRoutes({ data, langOf }));
  app.route("/", glossaryRoutes({ federation, services, data, langOf }));

  // Activities the communities sent, dereferenceable by their ids. What a
  // community sent to Public is public while the community is open; the
  // rest (everything a closed community sent) only to members' signed fetches.
  app.get("/c/:slug/activities/:id", async (c) => {
    const uri = new URL(`/c/${c.req.param("slug")}/activities/${c.req.param("id")}`, config.origin).href;
    const activity = await repos.activities.getByUri(uri);
    if (!activity || activity.json === null || activity.kind === "accept" || activity.kind === "reject") {
      return c.json({ error: "Not found" }, 404);
    }
    const community = await repos.communities.findBySlug(c.req.param("slug"));
    if (!community) return c.json({ error: "Not found" }, 404);
    const headers: Record<string, string> = { "Content-Type": "application/activity+json", Vary: "Accept" };
    if (community.closed || !isPubliclyAddressed(activity.json)) {
      const decision = await membersOnlyRead(federation.createContext(c.req.raw, services), community);
      if (!decision.allowed) {
        return c.json({ error: "This activity is for the community's members: sign the request as a member or a member's server." }, 401);
      }
      // The answer depends on who signed: no shared cache may keep it.
      headers["Cache-Control"] = "private";
      headers.Vary = "Accept, Signature, Signature-Input";
    }
    return c.body(JSON.stringify(activity.json), 200, headers);
  });

  app.notFound((c) => {
    const wantsJson = /json/.test(c.req.header("accept") ?? "");
    if (wantsJson || c.req.method !== "GET") return c.json({ error: "Not found" }, 404);
    return c.html(renderErrorPage({ instance: data.instance(langOf(c)), status: 404 }, langOf(c)), 404);
  });

  return app;
}
