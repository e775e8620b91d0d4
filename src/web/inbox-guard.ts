// The checks an inbox POST passes before Fedify sees it, cheapest first and
// without any database write (SECURITY.md, "Inbox"):
//   0. the inbox exists (404: a missing or deleted community's);
//   1. the body's shape (400): a JSON object, at most `limits.maxJsonDepth`
//      levels deep and `limits.maxJsonMembers` values, scanned byte by byte
//      before anything is parsed as JSON-LD;
//   2. the domain policy on every host the request names (403): the keyIds
//      of its signatures and the actor as written — unverified, but enough to
//      refuse early; the binding hook checks the parsed actor again;
//   3. a signature (401): unsigned POSTs are refused before Fedify parses them;
//   4. rate limits (429): per signer host once that host has verified here
//      before; otherwise per connecting address, with a separate cap on how
//      many requests naming never-verified hosts (each a key fetch) one
//      address may send per window.
// Then Fedify verifies the signature and the admission hook
// (src/federation/signer.ts) binds the signer to the actor, within the
// scope this guard opens. When the body carries its own signature (Linked
// Data signature or integrity proof) and the HTTP signature's key is not on
// the actor's origin (a forwarded activity), the HTTP signature is removed
// before Fedify sees the request, so that only the body's signature can
// verify it.
import { getLogger } from "@logtape/logtape";
import { hostOf } from "../domain/hosts.ts";
import { INSTANCE_ACTOR } from "../federation/addressing.ts";
import { MODERATION_ACTOR } from "../federation/moderation.ts";
import { InboxRefusal, type InboxRequestInfo, inboxRequestScope, sameOrigin, verifiedHosts } from "../federation/signer.ts";
import type { AppServices } from "../services.ts";
import { checkJsonShape } from "./json-shape.ts";
import { HostRateLimiter } from "./rate-limit.ts";

const logger = getLogger(["praxis", "web", "inbox-guard"]);

const INBOX_PATH = /^(?:\/inbox|\/c\/([^/]+)\/inbox)\/?$/;
const AS = "https://www.w3.org/ns/activitystreams#";

/**
 * Every keyId of a draft-cavage `Signature` header and of an RFC 9421
 * `Signature-Input` header: all occurrences, whatever their case, so that
 * the list holds whichever one Fedify's own parser picks (for a repeated
 * cavage `keyId`, the last) — the admission hook requires all of them to be
 * bound to the actor.
 */
export function signatureKeyIds(headers: Headers): string[] {
  const ids: string[] = [];
  const cavage = headers.get("signature");
  if (cavage) for (const m of cavage.matchAll(/keyId\s*=\s*"([^"]*)"/gi)) ids.push(m[1]);
  const rfc9421 = headers.get("signature-input");
  if (rfc9421) {
    for (const m of rfc9421.matchAll(/keyid\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;,\s)]+))/gi)) {
      ids.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : m[2]);
    }
  }
  return [...new Set(ids)];
}

/** The keyId of the request's first signature, if any. */
export function signatureKeyId(headers: Headers): string | null {
  return signatureKeyIds(headers)[0] ?? null;
}

function hasHttpSignature(headers: Headers): boolean {
  return headers.has("signature") || headers.has("signature-input");
}

function idOf(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (value && typeof value === "object") {
    const v = value as Record<string, unknown>;
    if (typeof v.id === "string") return v.id;
    if (typeof v["@id"] === "string") return v["@id"];
  }
  return null;
}

/**
 * The actors as the raw JSON spells them (`actor`, `as:actor` or the full
 * IRI; a string, an object with `id`/`@id`, or an array of those). Only a
 * first look: a JSON-LD context can spell it otherwise, which is why the
 * admission hook checks the parsed actor.
 */
export function rawActors(json: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const key of ["actor", "as:actor", `${AS}actor`]) {
    const value = json[key];
    for (const v of Array.isArray(value) ? value : [value]) {
      const id = idOf(v);
      if (id) out.push(id);
    }
  }
  return [...new Set(out)];
}

/**
 * The creator of a Linked Data signature, exactly as Fedify reads it:
 * Fedify uses the LD path only when the raw `signature` member has a string
 * `creator`, and verifies that raw member as received (its JSON-LD
 * compaction re-attaches it unchanged), so the raw string is the key used.
 */
export function ldSignatureCreator(json: Record<string, unknown>): string | null {
  const sig = json.signature;
  return sig && typeof sig === "object" && !Array.isArray(sig) && typeof (sig as { creator?: unknown }).creator === "string"
    ? (sig as { creator: string }).creator
    : null;
}

/** The verification methods of the body's integrity proofs, as written. */
function rawProofMethods(json: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const key of ["proof", "sec:proof", "https://w3id.org/security#proof"]) {
    const value = json[key];
    for (const p of Array.isArray(value) ? value : [value]) {
      if (p && typeof p === "object") {
        const vm = idOf((p as Record<string, unknown>).verificationMethod);
        if (vm) out.push(vm);
      }
    }
  }
  return out;
}

const text = (body: string, status: number, headers: Record<string, string> = {}) =>
  new Response(body, { status, headers: { "Content-Type": "text/plain; charset=utf-8", ...headers } });

/** What passes the guard: the headers to hand Fedify, and the scope to run it in. */
export interface InboxAdmission {
  /** The request's headers, without its HTTP signature when that cannot speak for the actor (see below). */
  headers: Headers;
  /** What the guard read from the request, for the admission hook. */
  info: InboxRequestInfo;
  /** Runs Fedify's handling within the admission scope; a refusal by the hook becomes its 4xx answer. */
  run(handle: () => Promise<Response>): Promise<Response>;
}

export type InboxGuard = (request: Request, body: Uint8Array | null, clientAddress: string | null) => Promise<Response | InboxAdmission | null>;

/**
 * How long a community found here is taken to exist without asking the
 * database again: a burst of deliveries to one inbox costs one query, and a
 * community deleted meanwhile has what arrives within that time accepted,
 * then ignored by the worker, which reads the community itself.
 */
const RECIPIENT_MEMORY_MS = 2_000;
const RECIPIENT_MEMORY_SIZE = 1_000;

/** Whether an inbox's recipient exists (a community not deleted, or one of the instance's actors); positive answers are remembered briefly. */
export function recipientChecker(services: Pick<AppServices, "repos">, memoryMs = RECIPIENT_MEMORY_MS): (encoded: string) => Promise<boolean> {
  const found = new Map<string, number>();
  return async (encoded) => {
    let identifier: string;
    try {
      identifier = decodeURIComponent(encoded);
    } catch {
      return false;
    }
    if (identifier === INSTANCE_ACTOR || identifier === MODERATION_ACTOR) return true;
    const until = found.get(identifier);
    if (until !== undefined && until > Date.now()) return true;
    const community = await services.repos.communities.findBySlug(identifier);
    found.delete(identifier);
    if (community === null || community.deletedAt !== null) return false;
    // Set anew, so that it counts as the most recent.
    found.set(identifier, Date.now() + memoryMs);
    // Oldest first: a bounded memory, whatever the number of communities.
    while (found.size > RECIPIENT_MEMORY_SIZE) found.delete(found.keys().next().value!);
    return true;
  };
}

export function createInboxGuard(services: AppServices): InboxGuard {
  const { limits } = services.config;
  const windowSeconds = limits.inboxWindowSeconds;
  const perHost = new HostRateLimiter({ limit: limits.inboxRequestsPerWindow, windowSeconds });
  const perAddress = new HostRateLimiter({ limit: limits.inboxRequestsPerWindow, windowSeconds });
  const newHostsPerAddress = new HostRateLimiter({ limit: limits.inboxNewHostsPerWindow, windowSeconds });
  const verified = verifiedHosts(services);
  const recipientExists = recipientChecker(services);
  const tooMany = (what: string, retryAfterSeconds: number) =>
    text(`Too many deliveries ${what}; retry later.`, 429, { "Retry-After": String(retryAfterSeconds) });

  return async (request, body, clientAddress) => {
    const path = request.method === "POST" ? INBOX_PATH.exec(new URL(request.url).pathname) : null;
    if (!path) return null;
    // No such inbox (or a deleted community's).
    if (path[1] !== undefined && !(await recipientExists(path[1]))) return text("No such inbox.", 404);

    // 1. Shape, before any parsing.
    const bytes = body ?? new Uint8Array();
    const problem = checkJsonShape(bytes, { maxDepth: limits.maxJsonDepth, maxMembers: limits.maxJsonMembers });
    if (problem) {
      logger.debug("Refused an inbox body from {address}: {problem}", { address: clientAddress, problem: problem.kind });
      return text(problem.message, 400);
    }
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
    } catch {
      return text("The body is not valid JSON.", 400);
    }

    // 2. Domain policy on every host named, verified or not.
    const httpKeyIds = signatureKeyIds(request.headers);
    const ldCreator = ldSignatureCreator(json);
    const actors = rawActors(json);
    const named = [...httpKeyIds, ...(ldCreator ? [ldCreator] : []), ...rawProofMethods(json), ...actors];
    for (const host of new Set(named.map(hostOf))) {
      if (host === null) continue;
      const verdict = await services.domainPolicy.judge(host);
      if (!verdict.allowed) {
        logger.debug("Refused an inbox delivery from {host} ({reason})", { host, reason: verdict.reason });
        const why = verdict.reason === "blocked" ? "is blocked by this server" : "is not on this server's allow-list";
        return text(`Deliveries from ${host} are refused: the domain ${why}.`, 403);
      }
    }

    // 3. A signature.
    if (!hasHttpSignature(request.headers)) {
      return text("Inbox deliveries must carry an HTTP signature (draft-cavage Signature or RFC 9421 Signature-Input).", 401);
    }

    // 4. Rate limits. The key's host is chosen by the sender; until it has
    // verified here, the connecting address pays.
    const keyHosts = [...new Set(httpKeyIds.map(hostOf).filter((h): h is string => h !== null))];
    const address = clientAddress ?? "unknown-address";
    for (const keyHost of keyHosts) {
      const decision = perHost.hit(keyHost);
      if (!decision.allowed) {
        logger.debug("Rate-limited inbox deliveries from {host}", { host: keyHost });
        return tooMany(`from ${keyHost}`, decision.retryAfterSeconds);
      }
    }
    const unverified = keyHosts.filter((h) => !verified.has(h));
    if (keyHosts.length === 0 || unverified.length > 0) {
      const decision = perAddress.hit(address);
      const newHost = unverified.length === 0 ? decision : newHostsPerAddress.hit(address);
      if (!decision.allowed || !newHost.allowed) {
        const retry = Math.max(decision.allowed ? 0 : decision.retryAfterSeconds, newHost.allowed ? 0 : newHost.retryAfterSeconds);
        logger.debug("Rate-limited inbox deliveries from {address} naming unverified hosts", { address });
        return tooMany(`from ${address} signed with keys of hosts not yet verified here`, retry);
      }
    }

    // A forwarded activity (signed over HTTP by the forwarder, by its author
    // with a Linked Data signature or an integrity proof) is verified by the
    // latter only: the HTTP signature, whose key is not on the actor's
    // origin, is removed so that Fedify cannot fall back on it.
    let headers = request.headers;
    let passedKeyIds = httpKeyIds;
    const bodySigned = ldCreator !== null || rawProofMethods(json).length > 0;
    if (bodySigned && actors.length === 1 && httpKeyIds.some((k) => !sameOrigin(k, actors[0]))) {
      headers = new Headers(request.headers);
      headers.delete("signature");
      headers.delete("signature-input");
      passedKeyIds = [];
    }

    const info = { httpKeyIds: passedKeyIds, ldCreator };
    return {
      headers,
      info,
      run: (handle) => inboxRequestScope.run(info, async () => {
        try {
          return await handle();
        } catch (e) {
          if (e instanceof InboxRefusal) return text(e.message, e.status);
          throw e;
        }
      }),
    };
  };
}
