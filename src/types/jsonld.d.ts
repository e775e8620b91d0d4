// The part of jsonld.js (a dependency of Fedify's, pinned alike) that Praxis
// calls; the package ships no type declarations.
declare module "jsonld" {
  interface JsonLd {
    /** Processes `localCtx` against `activeCtx` (null: the initial context); rejects on an invalid context. */
    processContext(activeCtx: unknown, localCtx: unknown, options?: { documentLoader?: (url: string) => Promise<unknown> }): Promise<unknown>;
  }
  const jsonld: JsonLd;
  export default jsonld;
}
