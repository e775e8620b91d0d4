// Replaying a response already received, for Fedify's failure handling.
//
// Praxis sends most deliveries itself (src/federation/fast-delivery.ts) and
// hands a failed one to Fedify's own outbox handler, which decides what the
// failure means (retry with backoff, Retry-After, circuit breaker, permanent
// refusal, the second knock of a double knock). That handler sends the
// request itself; within `withReplayedResponse`, the first request it makes
// to the same URL with the same method is answered with the outcome Praxis
// already got — the same status, headers and (start of the) body, or the same
// network error — without going to the network again. Later requests (a
// second knock, a redirect's target) go out as usual.
import { AsyncLocalStorage } from "node:async_hooks";
import { DecoratorHandler, type Dispatcher } from "undici";

/** What a request came back with: a response, or the error it failed with. */
export type RecordedOutcome =
  | { status: number; statusText: string; headers: Record<string, string | string[]>; body: Buffer }
  | { error: Error };

interface Replay {
  method: string;
  url: string;
  /** Only a request without this header is the one recorded (e.g. `signature-input`: not an RFC 9421 signed one). */
  unlessHeader?: string;
  outcome: RecordedOutcome;
  used: boolean;
}

const replays = new AsyncLocalStorage<Replay>();

/**
 * Runs `fn`; its first `method` request to `url` (without the header
 * `unlessHeader`, when given) is answered with `outcome` instead of the
 * network. A request that differs (Fedify chose another signature format
 * meanwhile) goes out as usual.
 */
export function withReplayedResponse<T>(request: { method: string; url: string; unlessHeader?: string }, outcome: RecordedOutcome, fn: () => T): T {
  return replays.run({
    method: request.method.toUpperCase(), url: new URL(request.url).href, unlessHeader: request.unlessHeader?.toLowerCase(), outcome, used: false,
  }, fn);
}

/** Whether the request carries a header named `name` (lower case), whatever shape its headers come in. */
function hasHeader(headers: Dispatcher.DispatchOptions["headers"], name: string): boolean {
  if (!headers) return false;
  if (Array.isArray(headers)) {
    for (let i = 0; i < headers.length; i += 2) if (String(headers[i]).toLowerCase() === name) return true;
    return false;
  }
  if (typeof (headers as Iterable<unknown>)[Symbol.iterator] === "function") {
    for (const entry of headers as Iterable<[string, unknown]>) if (String(entry[0]).toLowerCase() === name) return true;
    return false;
  }
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

/** The request's URL, as `new URL(…).href` spells it (the origin may come as a URL object). */
function requestUrl(options: Dispatcher.DispatchOptions): string | null {
  const origin = options.origin instanceof URL ? options.origin.origin : options.origin;
  try {
    return new URL(options.path, origin).href;
  } catch {
    return null;
  }
}

type NewApiHandler = Required<Pick<Dispatcher.DispatchHandler,
  "onRequestStart" | "onResponseStart" | "onResponseData" | "onResponseEnd" | "onResponseError">>;

/**
 * Answers the request from the replay in scope, if it is the one recorded and
 * not yet replayed; returns false (the caller dispatches it) otherwise.
 */
export function replayIfRecorded(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
  const replay = replays.getStore();
  if (!replay || replay.used) return false;
  if ((options.method ?? "GET").toUpperCase() !== replay.method || requestUrl(options) !== replay.url) return false;
  if (replay.unlessHeader && hasHeader(options.headers, replay.unlessHeader)) return false;
  replay.used = true;
  const inner = new DecoratorHandler(handler) as unknown as NewApiHandler;
  let settled = false;
  const fail = (error: Error) => {
    if (settled) return;
    settled = true;
    inner.onResponseError(controller, error);
  };
  const controller = {
    // The consumer gave up (fetch aborted): it hears of it as an error, as from a socket.
    abort(reason?: Error) { fail(reason ?? new Error("The request was aborted")); },
    pause() {},
    resume() {},
    get paused() { return false; },
    get aborted() { return settled; },
    get reason() { return null; },
  } as unknown as Dispatcher.DispatchController;
  const { outcome } = replay;
  queueMicrotask(() => {
    inner.onRequestStart(controller, {});
    if ("error" in outcome) return fail(outcome.error);
    if (settled) return;
    inner.onResponseStart(controller, outcome.status, outcome.headers, outcome.statusText);
    if (outcome.body.length > 0 && !settled) inner.onResponseData(controller, outcome.body);
    if (settled) return;
    settled = true;
    inner.onResponseEnd(controller, {});
  });
  return true;
}
