// Checks an inbox delivery's JSON before Fedify parses it, for what would
// otherwise make Fedify's parser fail with 500 or wait on a remote host:
// - a date-time that is not a string (`published: 1700000000`);
// - a JSON-LD `@context` that cannot be loaded (a host that never answers,
//   404, too large, including itself, not a URL), or that JSON-LD processing
//   refuses (`"@version": 2`, a malformed term definition).
// Either is refused with 400 and a message naming what to fix. Runs after the
// inbox guard (size, shape, domain policy, a signature present, rate limits),
// before Fedify verifies the signature — as Fedify itself would load the
// contexts before verifying, the rate limits bound what this may fetch.
import jsonld from "jsonld";
import { type ContextLoader, contextReferences } from "./context-loader.ts";
import { malformedTemporalValues } from "./time.ts";

const INBOX_PATH = /^(?:\/inbox|\/c\/[^/]+\/inbox)\/?$/;
/** Context references checked per delivery; more is refused outright. */
const MAX_CONTEXT_REFERENCES = 16;

export type InboxPrecheck = (request: Request, body: Uint8Array | null) => Promise<Response | null>;

function refuse(message: string): Response {
  return new Response(message, { status: 400, headers: { "Content-Type": "text/plain; charset=utf-8" } });
}

export function createInboxPrecheck(contexts: ContextLoader | undefined): InboxPrecheck {
  return async (request, body) => {
    if (request.method !== "POST" || !INBOX_PATH.test(new URL(request.url).pathname) || !body || body.byteLength === 0) return null;
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(body));
    } catch {
      return null; // Fedify answers malformed JSON with 400.
    }
    if (typeof json !== "object" || json === null) return null;
    const malformed = malformedTemporalValues(json);
    if (malformed.length > 0) return refuse(`Malformed date-time values: ${malformed.join("; ")}.`);
    if (!contexts) return null;
    const references = contextReferences(json, MAX_CONTEXT_REFERENCES + 1);
    if (references.length > MAX_CONTEXT_REFERENCES) return refuse(`More than ${MAX_CONTEXT_REFERENCES} JSON-LD context references.`);
    const verdicts = await Promise.all(references.map(async (ref) => ({ ref, verdict: await contexts.availability(ref) })));
    const unavailable = verdicts.filter((v) => !v.verdict.available);
    if (unavailable.length > 0) {
      return refuse(`JSON-LD context cannot be loaded: ${unavailable.map((v) => `${v.ref.slice(0, 200)} (${v.verdict.available ? "" : v.verdict.reason})`).join("; ")}.`);
    }
    // Every context the document defines, processed as JSON-LD will (nested
    // ones within the document's own): some invalid ones (an unsupported
    // @version) make Fedify fail with 500.
    try {
      const options = { documentLoader: contexts.load };
      const initial = await jsonld.processContext(null, null, options);
      const top = "@context" in json ? await jsonld.processContext(initial, (json as Record<string, unknown>)["@context"], options) : initial;
      for (const context of contextValues(json, MAX_CONTEXT_REFERENCES)) await jsonld.processContext(top, context, options);
    } catch (error) {
      return refuse(`Invalid JSON-LD context: ${((error as Error)?.message ?? String(error)).slice(0, 300)}`);
    }
    return null;
  };
}

/** The `@context` values of the objects nested in a document (not its own), at most `max`. */
function contextValues(json: unknown, max: number): unknown[] {
  const out: unknown[] = [];
  const stack: unknown[] = typeof json === "object" && json !== null
    ? Object.entries(json).filter(([key]) => key !== "@context").map(([, child]) => child)
    : [];
  for (let seen = 0; stack.length > 0 && seen < 100_000 && out.length < max; seen++) {
    const value = stack.pop();
    if (Array.isArray(value)) {
      for (const item of value) stack.push(item);
    } else if (typeof value === "object" && value !== null) {
      for (const [key, child] of Object.entries(value)) {
        if (key === "@context") out.push(child);
        else if (typeof child === "object" && child !== null) stack.push(child);
      }
    }
  }
  return out;
}
