// What other servers and browser clients read to find their way: host-meta
// (the WebFinger template, for clients that start there), CORS on the
// discovery documents (web clients on other origins read WebFinger and
// NodeInfo), and the service actors' outboxes, which live outside Fedify's
// /c/ templates.
import type { Hono, MiddlewareHandler } from "hono";
import { INSTANCE_OUTBOX_PATH } from "../federation/actors.ts";
import { MODERATION_OUTBOX_PATH } from "../federation/moderation.ts";
import { escapeHtml } from "./sanitize.ts";
import type { WebEnv } from "./public-origin.ts";

const DISCOVERY_PATH = /^\/(?:\.well-known\/(?:webfinger|nodeinfo|host-meta)|nodeinfo\/)/;

/** `Access-Control-Allow-Origin: *` on WebFinger, NodeInfo and host-meta (registered before Fedify's middleware). */
export function discoveryCors(): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    await next();
    if (DISCOVERY_PATH.test(c.req.path)) c.res.headers.set("Access-Control-Allow-Origin", "*");
  };
}

export function registerDiscoveryRoutes(app: Hono<WebEnv>, origin: string): void {
  app.get("/.well-known/host-meta", (c) => {
    const template = `${new URL("/.well-known/webfinger", origin).href}?resource={uri}`;
    return c.body(`<?xml version="1.0" encoding="UTF-8"?>
<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">
  <Link rel="lrdd" type="application/jrd+json" template="${escapeHtml(template)}"/>
</XRD>
`, 200, { "Content-Type": "application/xrd+xml; charset=utf-8" });
  });

  // The instance and moderation actors publish nothing in an outbox.
  for (const path of [INSTANCE_OUTBOX_PATH, MODERATION_OUTBOX_PATH]) {
    app.get(path, (c) => c.body(JSON.stringify({
      "@context": "https://www.w3.org/ns/activitystreams",
      id: new URL(path, origin).href,
      type: "OrderedCollection",
      totalItems: 0,
      orderedItems: [],
    }), 200, { "Content-Type": "application/activity+json", Vary: "Accept" }));
  }
}
