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

/** Fedify's Temporal values → ISO strings for storage. */
export function isoOf(value: { toString(): string } | null | undefined): string | null {
  return value ? new Date(value.toString()).toISOString() : null;
}
