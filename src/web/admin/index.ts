// The admin API: JSON under /api/v1/admin, for operators and moderators,
// authenticated with bearer tokens (praxis token create). Each concern has
// its own router file, mounted here.
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { getLogger } from "@logtape/logtape";
import { isDatabaseUnavailable, RETRY_AFTER_SECONDS } from "../../db/faults.ts";
import { ValidationError } from "../../domain/community.ts";
import { PeerUnreachableError } from "../../federation/links.ts";
import { accountView, authenticateToken } from "../../operations/accounts.ts";
import { NotFoundError, type Operations } from "../../operations/communities.ts";
import { accountsRouter } from "./accounts.ts";
import { auditRouter } from "./audit.ts";
import { communitiesRouter } from "./communities.ts";
import { deliverablesRouter } from "./deliverables.ts";
import { domainsRouter } from "./domains.ts";
import { meetingsRouter } from "./meetings.ts";
import { glossaryRouter } from "./glossary.ts";
import { moderationRouter } from "./moderation.ts";
import { networkRouter } from "./network.ts";
import { practiceRouter } from "./practice.ts";
import { resourcesRouter } from "./resources.ts";
import { type AdminEnv, ApiError } from "./support.ts";
import { tokensRouter } from "./tokens.ts";

const logger = getLogger(["praxis", "web", "admin"]);

export const ADMIN_API_PREFIX = "/api/v1/admin";
const REALM = 'Bearer realm="praxis-admin"';

export function createAdminApi(ops: Operations): Hono<AdminEnv> {
  const api = new Hono<AdminEnv>();

  api.onError((error, c) => {
    c.header("X-Content-Type-Options", "nosniff");
    c.header("Cache-Control", "no-store");
    if (error instanceof ApiError) {
      if (error.status === 401) c.header("WWW-Authenticate", `${REALM}, error="invalid_token"`);
      return c.json({ error: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) }, error.status);
    }
    if (error instanceof ValidationError) {
      return c.json({ error: "invalid_request", message: error.message, field: error.field }, 400);
    }
    if (error instanceof NotFoundError) return c.json({ error: "not_found", message: error.message }, 404);
    if (isDatabaseUnavailable(error)) {
      c.header("Retry-After", String(RETRY_AFTER_SECONDS));
      return c.json({ error: "database_unavailable", message: "The database is busy or unreachable; retry later." }, 503);
    }
    if (error instanceof PeerUnreachableError) {
      return c.json({ error: "peer_unreachable", message: `The other server did not answer as expected: ${error.message}` }, 502);
    }
    logger.error("Admin API error on {method} {path}: {error}", { method: c.req.method, path: c.req.path, error });
    return c.json({ error: "internal_error", message: "Something went wrong; see the server log." }, 500);
  });

  api.use("*", bodyLimit({
    maxSize: ops.services.config.limits.maxBodyBytes,
    onError: () => {
      throw new ApiError(413, "payload_too_large", `The body exceeds ${ops.services.config.limits.maxBodyBytes} bytes.`);
    },
  }));

  // Every route needs a live token; the answer never says whether a token
  // existed, only that it is not accepted.
  api.use("*", async (c, next) => {
    c.header("Cache-Control", "no-store");
    c.header("X-Content-Type-Options", "nosniff");
    const header = c.req.header("authorization");
    if (!header) {
      return c.json({ error: "unauthorized", message: "Send an admin API token: Authorization: Bearer <token> (praxis token create)." }, 401,
        { "WWW-Authenticate": REALM });
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const auth = match ? await authenticateToken(ops, match[1]) : null;
    if (!auth) throw new ApiError(401, "invalid_token", "The token is unknown, malformed or revoked.");
    c.set("principal", auth.principal);
    c.set("tokenId", auth.tokenId);
    c.set("ops", ops);
    await next();
  });

  api.get("/me", async (c) => {
    const principal = c.get("principal");
    const account = await ops.services.repos.accounts.get(principal.accountId);
    return c.json({ ...(await accountView(ops, account!)), tokenId: c.get("tokenId") });
  });

  api.route("/accounts", accountsRouter());
  api.route("/tokens", tokensRouter());
  api.route("/communities", communitiesRouter());
  api.route("/communities", networkRouter());
  api.route("/communities", meetingsRouter());
  api.route("/communities", resourcesRouter());
  api.route("/communities", practiceRouter());
  api.route("/communities", glossaryRouter());
  api.route("/communities", deliverablesRouter());
  api.route("/", moderationRouter());
  api.route("/", domainsRouter());
  api.route("/audit", auditRouter());

  api.all("*", (c) => c.json({ error: "not_found", message: `No admin API endpoint ${c.req.method} ${c.req.path}` }, 404));
  return api;
}
