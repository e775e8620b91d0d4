// The JSON-LD context loader. Every activity, actor and object Praxis parses
// names its `@context`s, and JSON-LD processing loads each one it does not
// know. A sender chooses those URLs, so a context is hostile input: it may
// point at a host that never answers, answer 404, or be huge.
//
// This loader serves the contexts Fedify preloads (ActivityStreams, security,
// Mastodon, Lemmy, …) without any request. Any other context is fetched once
// with a short time limit and a size cap, and cached (the store is shared by
// every process); a context that cannot be loaded is remembered as
// unavailable for a while, so the next activity naming it fails at once
// instead of waiting again.
//
// An unavailable context is answered with an empty (null) document, which
// JSON-LD processing rejects as an invalid remote context: Fedify then
// refuses the activity with 400, a permanent refusal the sender does not
// retry, rather than throwing (a 500 and a retry from the sender).
import {
  type DocumentLoader, type DocumentLoaderFactory, type Federation, type KvStore, preloadedContexts,
  type RemoteDocument, validatePublicUrl,
} from "@fedify/fedify";
import { Temporal } from "@js-temporal/polyfill";
import { getLogger } from "@logtape/logtape";

const logger = getLogger(["praxis", "federation", "context-loader"]);

const KV_PREFIX = ["praxis", "jsonld-context"] as const;
const MAX_REDIRECTS = 3;
/** Contexts kept in memory in front of the key–value store. */
const MEMORY_ENTRIES = 256;

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
  /** How long a context that could not be loaded is answered as unavailable without asking again. */
  failureCacheSeconds: number;
  userAgent?: string;
  /** The fetch used for remote contexts (the global one by default). */
  fetch?: typeof globalThis.fetch;
}

/** A cached answer: the context document, or why it is unavailable. */
type Entry = { document: Record<string, unknown> } | { unavailable: string };

class ContextUnavailable extends Error {
  override name = "ContextUnavailable";
}

/**
 * A DocumentLoaderFactory for JSON-LD contexts. The factory is called for
 * every Fedify context; the loaders it returns share one cache.
 */
export function createContextLoaderFactory(options: ContextLoaderOptions): DocumentLoaderFactory {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const memory = new Map<string, { entry: Entry; expires: number }>();
  const inFlight = new Map<string, Promise<Entry>>();

  function remember(url: string, entry: Entry): void {
    const ttlSeconds = "document" in entry ? options.cacheSeconds : options.failureCacheSeconds;
    memory.delete(url);
    memory.set(url, { entry, expires: Date.now() + ttlSeconds * 1000 });
    // Oldest first: a Map iterates in insertion order.
    while (memory.size > MEMORY_ENTRIES) memory.delete(memory.keys().next().value!);
  }

  async function cached(url: string): Promise<Entry | undefined> {
    const hit = memory.get(url);
    if (hit && hit.expires > Date.now()) return hit.entry;
    const stored = await options.kv.get<Entry>([...KV_PREFIX, url]);
    if (stored !== undefined) remember(url, stored);
    return stored;
  }

  async function store(url: string, entry: Entry): Promise<void> {
    remember(url, entry);
    const ttlSeconds = "document" in entry ? options.cacheSeconds : options.failureCacheSeconds;
    if (ttlSeconds <= 0) return;
    await options.kv.set([...KV_PREFIX, url], entry, {
      ttl: Temporal.Duration.from({ seconds: ttlSeconds }) as unknown as globalThis.Temporal.Duration,
    });
  }

  async function fetchContext(url: string): Promise<Entry> {
    const signal = AbortSignal.timeout(options.timeoutMs);
    try {
      // The deadline also bounds what the fetch's signal does not cover (the address check's DNS lookup).
      const document = await Promise.race([fetchDocument(url, signal), deadline(signal)]);
      return { document };
    } catch (error) {
      const reason = error instanceof ContextUnavailable
        ? error.message
        : signal.aborted ? `no answer within ${options.timeoutMs} ms` : (error as Error)?.message ?? String(error);
      logger.info("JSON-LD context {url} is unavailable ({reason}); activities naming it are refused for {seconds} s", {
        url, reason, seconds: options.failureCacheSeconds,
      });
      return { unavailable: reason };
    }
  }

  async function fetchDocument(start: string, signal: AbortSignal): Promise<Record<string, unknown>> {
    let url = start;
    for (let redirects = 0; ; redirects++) {
      if (!options.allowPrivateAddress) {
        try {
          await validatePublicUrl(url);
        } catch {
          throw new ContextUnavailable("not a public address");
        }
      }
      const headers: Record<string, string> = { Accept: "application/ld+json, application/json;q=0.9" };
      if (options.userAgent) headers["User-Agent"] = options.userAgent;
      const response = await fetchImpl(url, { headers, redirect: "manual", signal });
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
      const text = await readCapped(response, options.maxBytes);
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

  async function resolve(url: string): Promise<Entry> {
    const known = await cached(url);
    if (known) return known;
    // Concurrent activities naming the same context share one fetch.
    let pending = inFlight.get(url);
    if (!pending) {
      pending = fetchContext(url).then(async (entry) => {
        await store(url, entry).catch((error) => {
          logger.warn("Could not cache JSON-LD context {url}: {error}", { url, error });
        });
        return entry;
      }).finally(() => inFlight.delete(url));
      inFlight.set(url, pending);
    }
    return pending;
  }

  const loader: DocumentLoader = async (reference) => {
    const url = contextUrl(reference);
    if (url === null) return unavailableDocument(reference);
    const preloaded = (preloadedContexts as Record<string, unknown>)[url];
    if (preloaded !== undefined) return { contextUrl: null, documentUrl: url, document: preloaded };
    const entry = await resolve(url);
    if ("unavailable" in entry) return unavailableDocument(url);
    return { contextUrl: null, documentUrl: url, document: structuredClone(entry.document) };
  };
  return () => loader;
}

/** An absolute http(s) URL, normalised; null for anything else (relative, javascript:, data:…). */
function contextUrl(reference: string): string | null {
  if (typeof reference !== "string" || !URL.canParse(reference)) return null;
  const url = new URL(reference);
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  url.hash = "";
  return url.href;
}

function deadline(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

function unavailableDocument(url: string): RemoteDocument {
  return { contextUrl: null, documentUrl: url, document: null };
}

async function readCapped(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get("content-length") ?? "NaN");
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new ContextUnavailable(`larger than ${maxBytes} bytes`);
  }
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new ContextUnavailable(`larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

/**
 * Makes `federation` load JSON-LD contexts with `factory`. Fedify 2.3 refuses
 * a `contextLoaderFactory` option together with `allowPrivateAddress` (which
 * development and the tests need), so the factory is set on the federation
 * object, where Fedify reads it each time it creates a context.
 */
export function installContextLoader(federation: Federation<any>, factory: DocumentLoaderFactory): void {
  const target = federation as unknown as { contextLoaderFactory?: unknown };
  if (typeof target.contextLoaderFactory !== "function") {
    throw new Error("This Fedify version has no contextLoaderFactory on its federation object; update src/federation/context-loader.ts for it.");
  }
  target.contextLoaderFactory = factory;
}
