// What went wrong while Fedify handled one inbox request. Fedify answers a
// payload it cannot parse with 400 and reports the error to the inbox error
// handler, without telling the HTTP layer why; the web layer collects those
// reports per request to tell an unknown type (answered 202) from a broken
// payload (400).
import { AsyncLocalStorage } from "node:async_hooks";

const current = new AsyncLocalStorage<unknown[]>();

/** Runs `fn` (one inbox request) and returns the errors Fedify reported meanwhile. */
export async function collectInboxErrors<T>(fn: () => Promise<T>): Promise<{ result: T; errors: unknown[] }> {
  const errors: unknown[] = [];
  const result = await current.run(errors, fn);
  return { result, errors };
}

/**
 * Called from the inbox error handler. Returns false outside an inbox
 * request (a listener failing in the queue worker), where nobody collects.
 */
export function reportInboxError(error: unknown): boolean {
  const errors = current.getStore();
  errors?.push(error);
  return errors !== undefined;
}

/** Fedify's parse error for a type its vocabulary does not define. */
export function isUnknownTypeError(error: unknown): boolean {
  return error instanceof TypeError && /^(Invalid|Unexpected) type: /.test(error.message);
}
