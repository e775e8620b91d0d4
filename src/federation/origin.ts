// The one origin Praxis mints and compares: the configured public origin
// (`origin`, PRAXIS_ORIGIN). Never the address a request arrived on, which
// behind a TLS-terminating proxy is the proxy's plain-http upstream.
import type { AppServices } from "../services.ts";

export function publicOrigin(ctx: { data: AppServices }): string {
  return ctx.data.config.origin;
}

/** Whether a URL is on this server's public origin. */
export function isLocalUri(ctx: { data: AppServices }, uri: URL | string): boolean {
  try {
    return new URL(uri).origin === ctx.data.config.origin;
  } catch {
    return false;
  }
}
