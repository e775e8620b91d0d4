// Form posts are accepted only from this server's own pages: hono/csrf
// checks Sec-Fetch-Site or the Origin header against the public origin. A
// refusal is answered with the caller's page rather than an exception.
import type { Context, MiddlewareHandler } from "hono";
import { csrf } from "hono/csrf";
import { HTTPException } from "hono/http-exception";

export function sameOrigin(origin: string, refuse: (c: Context) => Response | Promise<Response>): MiddlewareHandler {
  const check = csrf({ origin });
  return async (c, next) => {
    try {
      await check(c, next);
    } catch (e) {
      if (e instanceof HTTPException && e.status === 403) {
        c.res = await refuse(c);
        return;
      }
      throw e;
    }
  };
}
