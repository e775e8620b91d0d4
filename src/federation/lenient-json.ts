// Payloads that Lemmy, NodeBB and Mastodon read as plain JSON but that a
// strict JSON-LD processor refuses or misreads, made readable the way those
// servers read them. Two cases, both seen from real servers:
//  - `"id": null` on an embedded object (an attachment, an image): JSON-LD
//    expansion aborts on a non-string @id. Praxis drops the member, which is
//    what a missing id means.
//  - an `@context` without the ActivityStreams context (or none at all):
//    `type`, `actor`, `object` then mean nothing in JSON-LD and Fedify
//    refuses the type. Praxis puts the ActivityStreams context first, so
//    that the sender's own term definitions, which follow, still win.
// Nothing else is changed: the result means what the sender's JSON says to
// a plain-JSON reader.
import type { DocumentLoader } from "@fedify/vocab";

export const AS_CONTEXT_URL = "https://www.w3.org/ns/activitystreams";
const AS_CONTEXT_URLS = new Set([AS_CONTEXT_URL, "http://www.w3.org/ns/activitystreams", `${AS_CONTEXT_URL}.jsonld`]);

export interface Cleaned {
  json: unknown;
  /** What was changed, for the log; empty when the document was left as is. */
  changes: string[];
}

function hasAsContext(context: unknown): boolean {
  const list = Array.isArray(context) ? context : [context];
  return list.some((c) => typeof c === "string" && AS_CONTEXT_URLS.has(c));
}

/** Returns a cleaned copy of `doc` (the input is not modified). */
export function cleanJsonLd(doc: unknown): Cleaned {
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) return { json: doc, changes: [] };
  let nullIds = 0;
  const walk = (node: unknown, depth: number): unknown => {
    // JSON.parse output is a tree; the depth bound only guards the stack.
    if (depth > 64 || node === null || typeof node !== "object") return node;
    if (Array.isArray(node)) return node.map((n) => walk(n, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      if ((key === "id" || key === "@id") && value === null) {
        nullIds++;
        continue;
      }
      out[key] = key === "@context" ? value : walk(value, depth + 1);
    }
    return out;
  };
  const json = walk(doc, 0) as Record<string, unknown>;
  const changes: string[] = [];
  if (nullIds > 0) changes.push(`dropped ${nullIds} null id${nullIds === 1 ? "" : "s"}`);
  const context = json["@context"];
  if (!hasAsContext(context)) {
    json["@context"] = context === undefined ? AS_CONTEXT_URL : [AS_CONTEXT_URL, ...(Array.isArray(context) ? context : [context])];
    changes.push("added the ActivityStreams context");
  }
  return { json, changes };
}

/** A document loader whose documents are cleaned likewise (for objects Praxis fetches itself). */
export function lenientLoader(loader: DocumentLoader): DocumentLoader {
  return async (url, options) => {
    const remote = await loader(url, options);
    return { ...remote, document: cleanJsonLd(remote.document).json };
  };
}
