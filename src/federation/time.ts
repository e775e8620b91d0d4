// Dates and times: Fedify's Temporal values to and from ISO strings, and the
// check that keeps malformed date-time values in remote JSON from reaching
// Fedify's parser.
import { Temporal } from "@js-temporal/polyfill";

/**
 * An ISO timestamp as the Temporal.Instant Fedify's vocabulary expects.
 * Node 24 has no native Temporal, so Fedify uses the polyfill at run time;
 * only the TypeScript lib's declaration differs, hence the cast.
 */
export function instant(iso: string): globalThis.Temporal.Instant {
  return Temporal.Instant.from(iso) as unknown as globalThis.Temporal.Instant;
}

export function now(): globalThis.Temporal.Instant {
  return Temporal.Now.instant() as unknown as globalThis.Temporal.Instant;
}

const NS_PER_SECOND = 1_000_000_000n;

/**
 * What `instant.toString()` writes (seconds, then as many fractional digits
 * as the nanoseconds need, UTC), computed from its epoch nanoseconds: the
 * polyfill's own toString took 16–29 µs a call on these machines, this
 * about 6, and a relayed post's Announces each write one.
 */
export function instantString(instant: globalThis.Temporal.Instant): string {
  const ns = BigInt(instant.epochNanoseconds);
  let seconds = ns / NS_PER_SECOND;
  let fraction = ns % NS_PER_SECOND;
  if (fraction < 0n) {
    seconds -= 1n;
    fraction += NS_PER_SECOND;
  }
  const whole = new Date(Number(seconds) * 1000).toISOString();
  const digits = fraction === 0n ? "" : `.${fraction.toString().padStart(9, "0").replace(/0+$/, "")}`;
  return `${whole.slice(0, -5)}${digits}Z`;
}

/** Whether `value` is a Temporal.Instant (Fedify's, the polyfill's): it has epoch milliseconds. */
function hasEpochMilliseconds(value: object): value is { epochMilliseconds: number } {
  return typeof (value as { epochMilliseconds?: unknown }).epochMilliseconds === "number";
}

/**
 * Fedify's Temporal values (or ISO strings) → ISO strings for storage; null
 * for a missing value or one that is not a representable instant, so a
 * remote date never makes a handler throw.
 */
export function isoOf(value: { toString(): string } | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  try {
    // An instant's milliseconds, without writing it out as text first (see instantString).
    if (typeof value === "object" && hasEpochMilliseconds(value)) return new Date(value.epochMilliseconds).toISOString();
    const time = Date.parse(typeof value === "string" ? value : value.toString());
    return Number.isNaN(time) ? null : new Date(time).toISOString();
  } catch {
    return null;
  }
}

// The properties Fedify decodes as xsd:dateTime or xsd:duration, by compact
// term. Fedify refuses a malformed *string* there with 400 itself, but a
// number, boolean or object makes its decoder throw a TypeError, which it
// treats as an internal error (500 on the inbox, a retried handler when the
// document was fetched).
const TEMPORAL_TERMS = ["published", "updated", "startTime", "endTime", "deleted", "duration"] as const;
const AS = "https://www.w3.org/ns/activitystreams#";
const TEMPORAL_KEYS: ReadonlySet<string> = new Set(TEMPORAL_TERMS.flatMap((t) => [t, `as:${t}`, `${AS}${t}`]));

/** Nodes examined at most; a document larger than that is left to the other limits. */
const MAX_NODES = 100_000;
const MAX_REPORTED = 5;

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** Whether Fedify's decoder can read `value` as a date-time or duration literal. */
function isTemporalLiteral(value: unknown): boolean {
  if (value === null || typeof value === "string") return true;
  if (typeof value === "object" && !Array.isArray(value)) {
    const literal = (value as Record<string, unknown>)["@value"];
    return typeof literal === "string";
  }
  return false;
}

/** Terms an inline `@context` defines as aliases of the temporal properties. */
function aliasesIn(context: unknown, into: Set<string>): void {
  const contexts = Array.isArray(context) ? context : [context];
  for (const c of contexts) {
    if (typeof c !== "object" || c === null || Array.isArray(c)) continue;
    for (const [term, definition] of Object.entries(c as Record<string, unknown>)) {
      const target = typeof definition === "string"
        ? definition
        : typeof definition === "object" && definition !== null ? (definition as Record<string, unknown>)["@id"] : undefined;
      if (typeof target === "string" && TEMPORAL_KEYS.has(target)) into.add(term);
    }
  }
}

/**
 * Where a JSON document (an activity as received) holds a date-time or
 * duration (`published`, `updated`, `startTime`, `endTime`, `deleted`,
 * `duration`) that is not a string: e.g. `["object.published: a number"]`.
 * Empty when there is none. Iterative and bounded, so any nesting is safe.
 */
export function malformedTemporalValues(json: unknown): string[] {
  const found: string[] = [];
  const keys = new Set(TEMPORAL_KEYS);
  const stack: Array<{ value: unknown; path: string }> = [{ value: json, path: "" }];
  for (let seen = 0; stack.length > 0 && seen < MAX_NODES && found.length < MAX_REPORTED; seen++) {
    const { value, path } = stack.pop()!;
    if (typeof value !== "object" || value === null) continue;
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: `${path}[${i}]` });
      continue;
    }
    const record = value as Record<string, unknown>;
    if ("@context" in record) aliasesIn(record["@context"], keys);
    for (const [key, child] of Object.entries(record)) {
      const childPath = path ? `${path}.${key}` : key;
      if (keys.has(key)) {
        const items = Array.isArray(child) ? child : [child];
        const bad = items.find((item) => !isTemporalLiteral(item));
        if (bad !== undefined) found.push(`${childPath}: ${describe(bad)}, not an ISO 8601 string`);
      } else if (key !== "@context") {
        stack.push({ value: child, path: childPath });
      }
    }
  }
  return found;
}
