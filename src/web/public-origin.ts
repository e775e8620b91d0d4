// Requests as Praxis sees them behind a TLS-terminating reverse proxy. The
// proxy forwards https://cop.example/… to http://127.0.0.1:3000/…; Praxis
// rewrites every request to its configured public origin before Fedify or a
// page sees it, so ids it mints and compares, links it serves and the
// signatures it verifies (RFC 9421 covers the https URL the sender used;
// draft-cavage covers the Host header) all use the public origin, whatever
// address the request came in on. X-Forwarded-Host and X-Forwarded-Proto are
// never read. With `trustProxy`, the client's address is taken from the last
// X-Forwarded-For entry (the one the proxy appended); otherwise it is the
// connecting socket's address.
import type { MiddlewareHandler } from "hono";
import type { ResolvedConfig } from "../config.ts";

export interface WebEnv {
  Variables: {
    /** The connecting client's address (null when unknown, e.g. in-process requests). */
    clientAddress: string | null;
  };
}

interface NodeBindings {
  incoming?: { socket?: { remoteAddress?: string } };
}

export function clientAddressOf(env: unknown, headers: Headers, trustProxy: boolean): string | null {
  if (trustProxy) {
    const forwarded = headers.get("x-forwarded-for");
    const last = forwarded?.split(",").map((s) => s.trim()).filter(Boolean).pop();
    if (last) return last;
  }
  const bindings = (env ?? {}) as NodeBindings & { server?: NodeBindings };
  return (bindings.server ?? bindings).incoming?.socket?.remoteAddress ?? null;
}

/** The same request addressed to the public origin (path and query kept). */
export function toPublicOrigin(request: Request, origin: string): Request {
  const url = new URL(request.url);
  const publicUrl = new URL(url.pathname + url.search, origin);
  if (publicUrl.href === request.url && request.headers.get("host") === publicUrl.host) return request;
  const headers = new Headers(request.headers);
  headers.set("host", publicUrl.host);
  const hasBody = request.method !== "GET" && request.method !== "HEAD" && request.body !== null;
  return new Request(publicUrl, {
    method: request.method,
    headers,
    body: hasBody ? request.body : null,
    signal: request.signal,
    ...(hasBody ? { duplex: "half" } : {}),
  } as RequestInit);
}

export function publicOriginMiddleware(config: ResolvedConfig): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    c.set("clientAddress", clientAddressOf(c.env, c.req.raw.headers, config.trustProxy));
    c.req.raw = toPublicOrigin(c.req.raw, config.origin);
    await next();
  };
}
