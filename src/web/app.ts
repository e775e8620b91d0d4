// The Hono application: the admin API, the console and the visitors' forms,
// then Fedify's routes, then the HTML pages and feeds (src/web/routes/).
import type { Federation } from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";
import { type Context, Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AppServices } from "../services.ts";
import { ADMIN_API_PREFIX, createAdminApi } from "./admin/index.ts";
import { consoleRoutes } from "./console/index.ts";
import type { QueueHandles } from "../operations/queue.ts";
import { fedifyMiddleware } from "./fedify.ts";
import { responseHeaders } from "./http.ts";
import { languageOf, rememberLanguage } from "./lang.ts";
import { PageData } from "./page-data.ts";
import { publicOriginMiddleware, type WebEnv } from "./public-origin.ts";
import { renderErrorPage } from "./pages/error.ts";
import { feedRoutes } from "./routes/feeds.ts";
import { followRoutes } from "./routes/follow.ts";
import { metaRoutes } from "./routes/meta.ts";
import { publicRoutes } from "./routes/public.ts";
import type { Lang } from "./views.ts";

export interface WebAppOptions {
  /** The delivery queue, for the console's queue page. */
  queue?: QueueHandles;
}

const logger = getLogger(["praxis", "web"]);

export function createWebApp(federation: Federation<AppServices>, services: AppServices, options: WebAppOptions = {}): Hono<WebEnv> {
  const { config, repos } = services;
  const app = new Hono<WebEnv>();
  const data = new PageData(federation, services);
  const langOf = (c: Context): Lang => languageOf(c, config.defaultLanguage);

  app.onError((error, c) => {
    if (error instanceof HTTPException) return error.getResponse();
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

  app.use(fedifyMiddleware(federation, services));

  app.get("/healthz", (c) => c.json({ ok: true }));
  app.route("/", metaRoutes());
  app.route("/", feedRoutes({ data, langOf }));
  app.route("/", publicRoutes({ data, langOf }));

  // Activities the communities sent, dereferenceable by their ids.
  app.get("/c/:slug/activities/:id", async (c) => {
    const uri = new URL(`/c/${c.req.param("slug")}/activities/${c.req.param("id")}`, config.origin).href;
    const activity = await repos.activities.getByUri(uri);
    if (!activity || activity.json === null || activity.kind === "accept" || activity.kind === "reject") {
      return c.json({ error: "Not found" }, 404);
    }
    return c.body(JSON.stringify(activity.json), 200, { "Content-Type": "application/activity+json", Vary: "Accept" });
  });

  app.notFound((c) => {
    const wantsJson = /json/.test(c.req.header("accept") ?? "");
    if (wantsJson || c.req.method !== "GET") return c.json({ error: "Not found" }, 404);
    return c.html(renderErrorPage({ instance: data.instance(langOf(c)), status: 404 }, langOf(c)), 404);
  });

  return app;
}
