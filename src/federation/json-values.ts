// Reading received JSON-LD as its origin served it, without expanding it
// (the network reader, working groups, deliverables and glossaries read
// Praxis's own terms this way): the first of a value that may be an array,
// an id, a text, and a Praxis term under any of the names it may carry.
import { PRAXIS_NS } from "./group-extensions.ts";

type Json = Record<string, unknown>;

/** The value, or the first of an array of values. */
export function first(v: unknown): unknown {
  return Array.isArray(v) ? v[0] : v;
}

/** An IRI given as a string or as an object's `id`. */
export function idOf(v: unknown): string | null {
  if (typeof v === "string") return v;
  const id = v !== null && typeof v === "object" ? (v as Json).id : undefined;
  return typeof id === "string" ? id : null;
}

/** A text given as a string or a `{"@value": …}` (the first, when several). */
export function textOf(v: unknown): string | null {
  const f = first(v);
  if (typeof f === "string") return f;
  const value = f !== null && typeof f === "object" ? (f as Json)["@value"] : undefined;
  return typeof value === "string" ? value : null;
}

/** A Praxis term's raw value: compacted with our context, as a `praxis:` compact IRI, or expanded. */
export function praxisValue(doc: Json, term: string): unknown {
  return doc[term] ?? doc[`praxis:${term}`] ?? doc[`${PRAXIS_NS}${term}`];
}
