// The document loader Fedify builds for every context it creates (each
// request, each queued task, each createContext): its built-in factory wraps
// a fetching loader in its KV cache, and that wrapper compiles a URLPattern
// and parses a Temporal duration each time — about 0.2 ms of CPU per context
// on these machines (202 µs, against 7 µs shared), once or more per relayed post. The loader it
// returns depends on nothing but the options it is asked for (whether
// private addresses are allowed, the User-Agent, which names the origin),
// and keeps no state of its own (the cache is the KV store), so one is built
// per distinct options and shared.
import type { DocumentLoader, DocumentLoaderFactory, Federation } from "@fedify/fedify";

/** Distinct loader options kept at most (one per public origin in practice). */
const KEPT = 64;

/**
 * Makes `federation` build its document loader once per distinct options.
 * Like the context loader (context-loader.ts), it is set on the federation
 * object, where Fedify reads it each time it creates a context.
 */
export function shareDocumentLoaders(federation: Federation<any>): void {
  const target = federation as unknown as { documentLoaderFactory?: DocumentLoaderFactory };
  const build = target.documentLoaderFactory;
  if (typeof build !== "function") {
    throw new Error("This Fedify version has no documentLoaderFactory on its federation object; update src/federation/document-loader.ts for it.");
  }
  const built = new Map<string, DocumentLoader>();
  target.documentLoaderFactory = (options) => {
    const key = JSON.stringify(options ?? null);
    let loader = built.get(key);
    if (!loader) {
      if (built.size >= KEPT) built.delete(built.keys().next().value!);
      built.set(key, loader = build.call(federation, options));
    }
    return loader;
  };
}
