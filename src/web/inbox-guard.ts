// The checks an inbox POST passes before Fedify sees it, cheapest first and
// without any network request or database write: the domain policy (blocked
// hosts; the allow-list in allowlist mode) answers 403, then the per-host
// rate limit answers 429. The host is read, unverified, from the keyId of
// the HTTP signature and from the activity's actor: that is enough to refuse
// or count, because Fedify still verifies whatever passes.
import { getLogger } from "@logtape/logtape";
import { hostOf } from "../domain/hosts.ts";
import type { AppServices } from "../services.ts";
import { HostRateLimiter } from "./rate-limit.ts";

const logger = getLogger(["praxis", "web", "inbox-guard"]);

const INBOX_PATH = /^(?:\/inbox|\/c\/[^/]+\/inbox)\/?$/;

/** The keyId of a draft-cavage `Signature` header or an RFC 9421 `Signature-Input` header. */
export function signatureKeyId(headers: Headers): string | null {
  const cavage = headers.get("signature");
  const fromCavage = cavage && /(?:^|,)\s*keyId\s*=\s*"([^"]+)"/i.exec(cavage);
  if (fromCavage) return fromCavage[1];
  const rfc9421 = headers.get("signature-input");
  const fromRfc = rfc9421 && /;\s*keyid\s*=\s*"([^"]+)"/i.exec(rfc9421);
  return fromRfc ? fromRfc[1] : null;
}

function actorOfBody(body: Uint8Array | null): string | null {
  if (!body || body.byteLength === 0) return null;
  try {
    const json = JSON.parse(new TextDecoder().decode(body)) as { actor?: unknown };
    const actor = Array.isArray(json?.actor) ? json.actor[0] : json?.actor;
    if (typeof actor === "string") return actor;
    if (actor && typeof actor === "object" && typeof (actor as { id?: unknown }).id === "string") return (actor as { id: string }).id;
  } catch {
    // Fedify answers malformed JSON with 400.
  }
  return null;
}

export type InboxGuard = (request: Request, body: Uint8Array | null, clientAddress: string | null) => Promise<Response | null>;

export function createInboxGuard(services: AppServices): InboxGuard {
  const { limits } = services.config;
  const limiter = new HostRateLimiter({ limit: limits.inboxRequestsPerWindow, windowSeconds: limits.inboxWindowSeconds });
  return async (request, body) => {
    if (request.method !== "POST" || !INBOX_PATH.test(new URL(request.url).pathname)) return null;
    const keyHost = hostOf(signatureKeyId(request.headers));
    const actorHost = hostOf(actorOfBody(body));
    for (const host of new Set([keyHost, actorHost])) {
      if (host === null) continue;
      const verdict = await services.domainPolicy.judge(host);
      if (!verdict.allowed) {
        logger.debug("Refused an inbox delivery from {host} ({reason})", { host, reason: verdict.reason });
        const why = verdict.reason === "blocked" ? "is blocked by this server" : "is not on this server's allow-list";
        return new Response(`Deliveries from ${host} are refused: the domain ${why}.`, {
          status: 403, headers: { "Content-Type": "text/plain; charset=utf-8" },
        });
      }
    }
    // Unsigned requests without an actor name no host; Fedify answers them 401.
    const rateKey = keyHost ?? actorHost;
    if (rateKey !== null) {
      const decision = limiter.hit(rateKey);
      if (!decision.allowed) {
        logger.debug("Rate-limited inbox deliveries from {host}", { host: rateKey });
        return new Response(`Too many deliveries from ${rateKey}; retry later.`, {
          status: 429,
          headers: { "Content-Type": "text/plain; charset=utf-8", "Retry-After": String(decision.retryAfterSeconds) },
        });
      }
    }
    return null;
  };
}
