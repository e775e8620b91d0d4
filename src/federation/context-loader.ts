// The JSON-LD context loader. Every activity, actor and object Praxis parses
// names its `@context`s, and JSON-LD processing loads each one it does not
// know. A sender chooses those URLs, so a context is hostile input: it may
// point at a host that never answers, answer 404, be huge, or include itself.
//
// This loader serves the contexts Fedify preloads (ActivityStreams, security,
// Mastodon, Lemmy, …) without any request. Any other context is fetched once
// with a time limit and a size cap, and cached (in memory and in the
// key–value store every process shares). A fetched context may itself name
// only preloaded contexts, so there are no chains or cycles of fetches. A
// context that cannot be loaded is remembered as unavailable for a while, so
// the next document naming it does not wait again.
//
// Two uses:
// - Inbox deliveries are checked before Fedify parses them
//   (inbox-precheck.ts): one naming an unavailable context is refused with 400.
// - Everywhere else (actor and key documents, objects fetched by handlers),
//   an unavailable context loads as an empty one: its terms are unknown and
//   ignored, as with any term no context defines. JSON-LD processing then
//   never fails, nor a request with 500, nor a handler with a retried error,
//   because some remote host does not serve a context.
import {
  type DocumentLoader, type DocumentLoaderFactory, type Federation, type KvStore, preloadedContexts,
  type RemoteDocument, validatePublicUrl,
} from "@fedify/fedify";
import { Temporal } from "@js-temporal/polyfill";
import { getLogger } from "@logtape/logtape";
import { SingleFlight } from "../db/single-flight.ts";
import { BodyTooLargeError, readCapped } from "../net/read-capped.ts";

const logger = getLogger(["praxis", "federation", "context-loader"]);

const KV_PREFIX = ["praxis", "jsonld-context"] as const;
const MAX_REDIRECTS = 3;
/** Contexts kept in memory in front of the key–value store. */
const MEMORY_ENTRIES = 256;
/** Context references examined in one fetched context. */
const MAX_NESTED_REFERENCES = 32;

export interface ContextLoaderOptions {
  kv: KvStore;
  /** Whether contexts on loopback and private addresses may be fetched (development and tests). */
  allowPrivateAddress: boolean;
  /** Time limit for one context fetch, redirects included. */
  timeoutMs: number;
  /** Largest context document accepted, in bytes. */
  maxBytes: number;
  /** How long a fetched context is reused. */
  cacheSeconds: number;
  /** How long a context that could not be loaded is treated as unavailable without asking again. */
  failureCacheSeconds: number;
  userAgent?: string;
  /** The fetch used for remote contexts (the global one by default). */
  fetch?: typeof globalThis.fetch;
}

export type ContextAvailability = { available: true } | { available: false; reason: string };

/** A cached answer: the context document, or why it is unavailable. */
type Entry = { document: Record<string, unknown> } | { unavailable: string };

class ContextUnavailable extends Error {
  override name = "ContextUnavailable";
}

/** An absolute http(s) URL without fragment; null for anything else (relative, javascript:, data:…). */
export function contextUrl(reference: unknown): string | null {
  if (typeof reference !== "string" || !URL.canParse(reference)) return null;
  const url = new URL(reference);
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  url.hash = "";
  return url.href;
}

export function isPreloadedContext(url: string): boolean {
  return Object.hasOwn(preloadedContexts, url);
}

/**
 * The context references (strings) a JSON document names, in `@context`
 * values at any depth, including `@import` and scoped contexts. Bounded.
 */
export function contextReferences(json: unknown, max = 64): string[] {
  const out: string[] = [];
  const stack: Array<{ value: unknown; inContext: boolean }> = [{ value: json, inContext: false }];
  for (let seen = 0; stack.length > 0 && seen < 100_000 && out.length < max; seen++) {
    const { value, inContext } = stack.pop()!;
    if (typeof value === "string") {
      if (inContext && !out.includes(value)) out.push(value);
    } else if (Array.isArray(value)) {
      for (const item of value) stack.push({ value: item, inContext });
    } else if (typeof value === "object" && value !== null) {
      for (const [key, child] of Object.entries(value)) {
        if (key === "@context" || (inContext && key === "@import")) stack.push({ value: child, inContext: true });
        else if (typeof child === "object" && child !== null) stack.push({ value: child, inContext: false });
      }
    }
  }
  return out;
}

/**
 * A preloaded context, tagged `static`: it is part of Fedify and never
 * changes, so jsonld.js may keep it resolved and processed across
 * operations (its shared cache holds only contexts so tagged). Untagged,
 * every expansion, compaction and canonisation processed ActivityStreams
 * and the security contexts again, copying the whole active context for
 * each — the largest single cost of relaying a post. Contexts fetched from
 * elsewhere stay untagged: they may change once their cache period ends.
 */
function preloaded(url: string): RemoteDocument {
  return { contextUrl: null, documentUrl: url, document: (preloadedContexts as Record<string, unknown>)[url], tag: "static" } as RemoteDocument;
}

export class ContextLoader {
  readonly #options: ContextLoaderOptions;
  readonly #fetch: typeof globalThis.fetch;
  readonly #memory = new Map<string, { entry: Entry; expires: number }>();
  readonly #inFlight = new SingleFlight<string, Entry>();

  constructor(options: ContextLoaderOptions) {
    this.#options = options;
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  /** The JSON-LD document loader: never fails; an unavailable context loads as an empty one. */
  readonly load: DocumentLoader = async (reference) => {
    const url = contextUrl(reference);
    if (url === null) return emptyContext(String(reference));
    if (isPreloadedContext(url)) return preloaded(url);
    const entry = await this.#resolve(url);
    if ("unavailable" in entry) return emptyContext(url);
    return { contextUrl: null, documentUrl: url, document: structuredClone(entry.document) };
  };

  /** For Fedify: every context it creates shares this loader and its cache. */
  readonly factory: DocumentLoaderFactory = () => this.load;

  /** Whether a context reference can be loaded (fetching it now if it is not known yet). */
  async availability(reference: string): Promise<ContextAvailability> {
    const url = contextUrl(reference);
    if (url === null) return { available: false, reason: "not an absolute http(s) URL" };
    if (isPreloadedContext(url)) return { available: true };
    const entry = await this.#resolve(url);
    return "unavailable" in entry ? { available: false, reason: entry.unavailable } : { available: true };
  }

  #remember(url: string, entry: Entry): void {
    const ttlSeconds = "document" in entry ? this.#options.cacheSeconds : this.#options.failureCacheSeconds;
    this.#memory.delete(url);
    this.#memory.set(url, { entry, expires: Date.now() + ttlSeconds * 1000 });
    // Oldest first: a Map iterates in insertion order.
    while (this.#memory.size > MEMORY_ENTRIES) this.#memory.delete(this.#memory.keys().next().value!);
  }

  async #cached(url: string): Promise<Entry | undefined> {
    const hit = this.#memory.get(url);
    if (hit && hit.expires > Date.now()) return hit.entry;
    const stored = await this.#options.kv.get<Entry>([...KV_PREFIX, url]);
    if (stored !== undefined) this.#remember(url, stored);
    return stored;
  }

  async #store(url: string, entry: Entry): Promise<void> {
    this.#remember(url, entry);
    const ttlSeconds = "document" in entry ? this.#options.cacheSeconds : this.#options.failureCacheSeconds;
    if (ttlSeconds <= 0) return;
    await this.#options.kv.set([...KV_PREFIX, url], entry, {
      ttl: Temporal.Duration.from({ seconds: ttlSeconds }) as unknown as globalThis.Temporal.Duration,
    });
  }

  async #resolve(url: string): Promise<Entry> {
    const known = await this.#cached(url);
    if (known) return known;
    // Concurrent documents naming the same context share one fetch.
    return this.#inFlight.run(url, () => this.#fetchEntry(url).then(async (entry) => {
      await this.#store(url, entry).catch((error) => {
        logger.warn("Could not cache JSON-LD context {url}: {error}", { url, error });
      });
      return entry;
    }));
  }

  async #fetchEntry(url: string): Promise<Entry> {
    const signal = AbortSignal.timeout(this.#options.timeoutMs);
    try {
      // The deadline also bounds what the fetch's signal does not cover (the address check's DNS lookup).
      const document = await Promise.race([this.#fetchDocument(url, signal), deadline(signal)]);
      const nested = contextReferences(document, MAX_NESTED_REFERENCES + 1);
      if (nested.length > MAX_NESTED_REFERENCES) throw new ContextUnavailable("names too many contexts");
      const remote = nested.find((ref) => {
        const resolved = URL.canParse(ref, url) ? new URL(ref, url).href : null;
        return resolved === null || !isPreloadedContext(resolved);
      });
      if (remote !== undefined) throw new ContextUnavailable(`names another remote context (${remote.slice(0, 200)})`);
      return { document };
    } catch (error) {
      const reason = error instanceof ContextUnavailable
        ? error.message
        : signal.aborted ? `no answer within ${this.#options.timeoutMs} ms` : (error as Error)?.message ?? String(error);
      logger.info("JSON-LD context {url} is unavailable ({reason}); it is not fetched again for {seconds} s", {
        url, reason, seconds: this.#options.failureCacheSeconds,
      });
      return { unavailable: reason };
    }
  }

  async #fetchDocument(start: string, signal: AbortSignal): Promise<Record<string, unknown>> {
    let url = start;
    for (let redirects = 0; ; redirects++) {
      if (!this.#options.allowPrivateAddress) {
        try {
          await validatePublicUrl(url);
        } catch {
          throw new ContextUnavailable("not a public address");
        }
      }
      const headers: Record<string, string> = { Accept: "application/ld+json, application/json;q=0.9" };
      if (this.#options.userAgent) headers["User-Agent"] = this.#options.userAgent;
      const response = await this.#fetch(url, { headers, redirect: "manual", signal });
      if (response.status >= 300 && response.status < 400 && response.headers.has("location")) {
        await response.body?.cancel();
        if (redirects >= MAX_REDIRECTS) throw new ContextUnavailable(`more than ${MAX_REDIRECTS} redirects`);
        url = new URL(response.headers.get("location")!, url).href;
        if (!/^https?:$/.test(new URL(url).protocol)) throw new ContextUnavailable("redirected to a non-HTTP URL");
        continue;
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new ContextUnavailable(`HTTP ${response.status}`);
      }
      const text = await readText(response, this.#options.maxBytes);
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new ContextUnavailable("not JSON");
      }
      if (typeof json !== "object" || json === null || Array.isArray(json)) throw new ContextUnavailable("not a JSON object");
      return json as Record<string, unknown>;
    }
  }
}

function deadline(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

function emptyContext(url: string): RemoteDocument {
  return { contextUrl: null, documentUrl: url, document: { "@context": {} } };
}

async function readText(response: Response, maxBytes: number): Promise<string> {
  try {
    return new TextDecoder().decode((await readCapped(response, maxBytes)) ?? new Uint8Array());
  } catch (e) {
    if (e instanceof BodyTooLargeError) throw new ContextUnavailable(e.message);
    throw e;
  }
}

const installed = new WeakMap<object, ContextLoader>();

/**
 * Makes `federation` load JSON-LD contexts with `loader`. Fedify 2.3 refuses
 * a `contextLoaderFactory` option together with `allowPrivateAddress` (which
 * development and the tests need), so the factory is set on the federation
 * object, where Fedify reads it each time it creates a context.
 */
export function installContextLoader(federation: Federation<any>, loader: ContextLoader): void {
  const target = federation as unknown as { contextLoaderFactory?: unknown };
  if (typeof target.contextLoaderFactory !== "function") {
    throw new Error("This Fedify version has no contextLoaderFactory on its federation object; update src/federation/context-loader.ts for it.");
  }
  target.contextLoaderFactory = loader.factory;
  installed.set(federation, loader);
}

/** The loader installed on `federation`, if any. */
export function contextLoaderOf(federation: Federation<any>): ContextLoader | undefined {
  return installed.get(federation);
}
