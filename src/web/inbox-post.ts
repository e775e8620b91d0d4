// One inbox POST, around Fedify's handling of it:
//  1. Lenient JSON (federation/lenient-json.ts): a payload Lemmy or NodeBB
//     would accept but strict JSON-LD refuses (`"id": null`, no
//     ActivityStreams context) is cleaned *after* it is authenticated, not
//     before. Fedify verifies the Digest and the HTTP signature over the
//     request's original bytes, which Praxis leaves untouched; it reads the
//     activity through `request.clone().json()`, which alone returns the
//     cleaned document. Cleaning before verification cannot work: the
//     signature covers the Digest header, so any other body fails it, and
//     re-computing the Digest would need the sender's key. The cleaning is a
//     pure function of the verified bytes, so what Praxis acts on is what the
//     signer sent. A Linked Data signature or proof is checked over the
//     cleaned document and fails there, so Fedify falls back to the HTTP
//     signature: a cleaned document is never trusted on a third party's
//     signature.
//  2. A standalone key document Fedify cannot read (older Misskey) is
//     admitted when its owner lists it (federation/legacy-keys.ts).
//  3. A delivery signed over HTTP only, read as sent, is accepted without
//     Fedify's handler (federation/inbox-accept.ts), with the same checks;
//     anything that path does not accept goes on to Fedify.
//  4. Whatever goes wrong is answered 4xx or 202, never 5xx: an object or
//     activity type Fedify's vocabulary does not know is acknowledged (202)
//     once the signature verifies; a payload that cannot be parsed (an
//     invalid embedded key, say) is 400; only an unavailable database is
//     503 with Retry-After, so that the sender retries later.
import { type Federation, type KvStore, type MessageQueue, verifyRequest } from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";
import { isDatabaseUnavailable, RETRY_AFTER_SECONDS } from "../db/faults.ts";
import { INSTANCE_ACTOR } from "../federation/addressing.ts";
import { acceptDirectly, type KeyMemory } from "../federation/inbox-accept.ts";
import { collectInboxErrors, isUnknownTypeError } from "../federation/inbox/errors.ts";
import { admitStandaloneKey } from "../federation/legacy-keys.ts";
import { cleanJsonLd } from "../federation/lenient-json.ts";
import type { AppServices } from "../services.ts";
import { type InboxAdmission, signatureKeyId } from "./inbox-guard.ts";

const logger = getLogger(["praxis", "web", "inbox"]);

/** acceptDirectly handed the request on to Fedify. */
const NOT_ACCEPTED = new Response(null, { status: 599 });

export const INBOX_PATH = /^(?:\/inbox|\/c\/[^/]+\/inbox)\/?$/;

function text(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(body, { status, headers: { "Content-Type": "text/plain; charset=utf-8", ...headers } });
}

function parseJson(body: Uint8Array | null): unknown {
  if (!body || body.byteLength === 0) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(body));
  } catch {
    return undefined;
  }
}

/**
 * The request Fedify gets: the original bytes (which the signature and the
 * Digest cover), and, through `clone().json()`, the cleaned document.
 */
function withJsonView(request: Request, json: unknown): Request {
  const clone = request.clone.bind(request);
  Object.defineProperty(request, "clone", {
    value: () => {
      const copy = clone();
      Object.defineProperty(copy, "json", { value: () => Promise.resolve(structuredClone(json)) });
      return copy;
    },
  });
  return request;
}

function describe(json: unknown): { id: string; type: string; actor: string } {
  const o = (json ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === "string" ? v : typeof (v as { id?: unknown })?.id === "string" ? (v as { id: string }).id : "?");
  return { id: str(o.id), type: typeof o.type === "string" ? o.type : "?", actor: str(o.actor) };
}

export interface InboxPostOptions {
  federation: Federation<AppServices>;
  services: AppServices;
  /** Fedify's key–value store (its public-key cache); without it, standalone keys are not admitted. */
  kv: KvStore | null;
  /** The inbox guard (src/web/inbox-guard.ts): a refusal, or the admission Fedify runs within. */
  guard: () => Promise<Response | InboxAdmission | null>;
  /** Hands the request to Fedify (with the web layer's fallbacks). */
  handle: (request: Request) => Promise<Response>;
  /**
   * Where deliveries signed over HTTP only are accepted without Fedify's
   * handler (src/federation/inbox-accept.ts): the queue Fedify's worker
   * reads, and the keys kept in memory. Without it, Fedify handles all.
   */
  direct?: { queue: MessageQueue; keys: KeyMemory; origin: string } | null;
}

/** The recipient community of an inbox path, or null for the shared inbox. */
function recipientOf(url: string): string | null {
  const match = /^\/c\/([^/]+)\/inbox\/?$/.exec(new URL(url).pathname);
  return match ? decodeURIComponent(match[1]) : null;
}

/** Handles an inbox POST whose body has been read (and size-checked). */
export async function handleInboxPost(original: Request, body: Uint8Array<ArrayBuffer> | null, options: InboxPostOptions): Promise<Response> {
  const { federation, services, kv, guard, handle, direct } = options;
  const json = parseJson(body);
  try {
    const verdict = await guard();
    if (verdict instanceof Response) return verdict;
    const headers = verdict?.headers ?? original.headers;
    const cleaned = cleanJsonLd(json);
    if (direct && verdict && body && cleaned.changes.length === 0) {
      const accepted = await verdict.run(async () => (await acceptDirectly({ url: original.url, method: original.method, headers }, json, {
        context: () => federation.createContext(original, services), services, origin: direct.origin,
        queue: direct.queue, keys: direct.keys, recipient: recipientOf(original.url), keyIds: verdict.info.httpKeyIds, body,
      })) ?? NOT_ACCEPTED);
      if (accepted !== NOT_ACCEPTED) return accepted;
    }
    let request = new Request(original.url, { method: original.method, headers, body });
    if (cleaned.changes.length > 0) {
      request = withJsonView(request, cleaned.json);
      logger.info("Reading {id} leniently: {changes}", { ...describe(json), changes: cleaned.changes.join("; ") });
    }
    const keyId = signatureKeyId(headers);
    if (keyId && kv) {
      await admitStandaloneKey(federation.createContext(original, services), kv, keyId).catch((e: unknown) => {
        if (isDatabaseUnavailable(e)) throw e;
        // Fedify verifies (and refuses) the key itself.
        logger.info("Could not check standalone key {keyId}: {error}", { keyId, error: String(e) });
      });
    }
    const { result: response, errors } = await collectInboxErrors(() => (verdict ? verdict.run(() => handle(request)) : handle(request)));
    if (response.status === 400 && errors.some(isUnknownTypeError)) {
      return await acknowledgeUnknownType(original, headers, body, json, errors, options);
    }
    if (response.status >= 500) {
      logger.error("Fedify answered {status} to an inbox POST of {id}; answering 400", { status: response.status, ...describe(json) });
      return text(400, "The activity could not be processed.");
    }
    if (response.status === 400) {
      logger.info("Refused {id} ({type}) from {actor}: {error}", { ...describe(json), error: String(errors[0] ?? (await response.clone().text())) });
    }
    return response;
  } catch (error) {
    if (isDatabaseUnavailable(error)) {
      logger.warn("Database unavailable while receiving {id}; asked the sender to retry: {error}", { ...describe(json), error: String(error) });
      return text(503, "Temporarily unavailable; retry later.", { "Retry-After": String(RETRY_AFTER_SECONDS) });
    }
    logger.warn("Refused {id} ({type}) from {actor}: {error}", { ...describe(json), error });
    return text(400, `The activity could not be processed: ${error instanceof Error ? error.message : String(error)}`.slice(0, 500));
  }
}

/**
 * Fedify refused the payload because a type is unknown to its vocabulary
 * (a server's own extension, such as Lemmy's or PeerTube's): acknowledged
 * with 202 and logged, as Praxis does for every activity it does not act
 * on, once the request's HTTP signature verifies; 401 otherwise.
 */
async function acknowledgeUnknownType(original: Request, headers: Headers, body: Uint8Array<ArrayBuffer> | null, json: unknown, errors: unknown[], options: InboxPostOptions): Promise<Response> {
  const ctx = options.federation.createContext(original, options.services);
  // The headers the guard passed on (without an HTTP signature that cannot speak for the actor).
  const request = new Request(original.url, { method: original.method, headers, body });
  // Fetched as Fedify fetches for the shared inbox: signed by the instance actor.
  const documentLoader = await ctx.getDocumentLoader({ identifier: INSTANCE_ACTOR });
  const key = await verifyRequest(request, { documentLoader, contextLoader: ctx.contextLoader }).catch(() => null);
  const { actor } = describe(json);
  if (!key || (key.ownerId && key.ownerId.href !== actor)) {
    return text(401, "The request's signature could not be verified.");
  }
  logger.info("Ignoring {id} ({type}) from {actor}: {error}", { ...describe(json), error: String(errors.find(isUnknownTypeError)) });
  return text(202, "");
}
