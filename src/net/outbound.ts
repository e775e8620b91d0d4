// Every HTTP request Praxis makes goes through Node's global fetch (Fedify's
// deliveries, key and document fetches, WebFinger; Praxis's own look-ups).
// This module installs one process-wide undici dispatcher behind that fetch
// and applies the *outbound policy* of the Praxis instance on whose behalf the
// request is made:
//
// - with `allowPrivateAddress` off, a connection may only go to a public
//   address: the name is resolved when the socket connects, every address it
//   resolves to must be public, and the connected peer's address is checked
//   again, so neither a private IP literal nor DNS rebinding gets through;
// - every request has a deadline from dispatch to the last byte of the
//   response (deliveries — POST — one, fetches another), which also covers a
//   peer that accepts the connection and never answers, or answers slowly;
// - a response body may not exceed `maxResponseBytes`; a larger one is
//   aborted as soon as its Content-Length or its bytes say so.
//
// The policy is carried by AsyncLocalStorage, so several Praxis instances in
// one process (tests) each keep their own, and code outside any scope (test
// peers, other libraries) is left as Node would treat it. Entry points run
// their work inside `withOutboundPolicy(praxis.outbound, fn)`: the web app
// (inbox requests, admin API, pages), the queue worker, and the CLI.
import { AsyncLocalStorage } from "node:async_hooks";
import { isIP, type Socket } from "node:net";
import { buildConnector, DecoratorHandler, Dispatcher, getGlobalDispatcher, setGlobalDispatcher } from "undici";
import { cachedLookup, isPublicAddress, PrivateAddressError, publicOnlyLookup } from "./addresses.ts";
import { BoundedAgent } from "./bounded-agent.ts";
import { replayIfRecorded } from "./replay.ts";

export { firstNonPublicAddress, isPublicAddress, PrivateAddressError } from "./addresses.ts";

export interface OutboundPolicy {
  /** Who the requests are made for, in error messages (the instance's origin). */
  readonly name: string;
  /** Allow connections to loopback and private addresses (development and tests only). */
  readonly allowPrivateAddress: boolean;
  /** Deadline of a GET or other fetch (documents, keys, WebFinger), in ms. */
  readonly fetchTimeoutMs: number;
  /** Deadline of a POST (a delivery to an inbox), in ms. */
  readonly deliveryTimeoutMs: number;
  /** Largest response body read, in bytes. */
  readonly maxResponseBytes: number;
  /**
   * Epoch ms by which every request of this scope must be done, whatever
   * the per-request deadlines (an inbox POST's key and document fetches
   * share one budget, retries and Fedify's second signature knock included).
   */
  readonly deadline?: number;
}

/** A request ran past its policy's deadline and was aborted. */
export class OutboundTimeoutError extends Error {
  override name = "OutboundTimeoutError";
  readonly code = "ETIMEDOUT";
  constructor(url: string, ms: number) {
    super(`${url} did not answer within ${ms} ms`);
  }
}

/** A response body was larger than the policy allows and was aborted. */
export class ResponseTooLargeError extends Error {
  override name = "ResponseTooLargeError";
  readonly code = "ERESPONSETOOLARGE";
  constructor(url: string, maxBytes: number) {
    super(`${url} sent more than ${maxBytes} bytes; response aborted`);
  }
}

const storage = new AsyncLocalStorage<OutboundPolicy>();

/**
 * Runs `fn` with `policy` applied to every HTTP request it makes, directly or
 * through anything it awaits or schedules. Installs the dispatcher if needed.
 */
export function withOutboundPolicy<T>(policy: OutboundPolicy, fn: () => T): T {
  installOutboundDispatcher();
  return storage.run(policy, fn);
}

/**
 * Runs `fn` with every request it makes sharing a budget of `ms` from now
 * (within the current policy; nothing changes outside any policy).
 */
export function withFetchBudget<T>(ms: number, fn: () => T): T {
  const policy = storage.getStore();
  if (!policy) return fn();
  const deadline = Math.min(policy.deadline ?? Number.POSITIVE_INFINITY, Date.now() + ms);
  return storage.run({ ...policy, deadline }, fn);
}

/** The policy in force for the current async context, if any. */
export function currentOutboundPolicy(): OutboundPolicy | undefined {
  return storage.getStore();
}

/** A connector that refuses non-public addresses: IP literals before connecting, names at lookup, and the peer once connected. */
function publicOnlyConnector(timeoutMs: number): buildConnector.connector {
  const connect = buildConnector({ timeout: timeoutMs, lookup: publicOnlyLookup } as buildConnector.BuildOptions);
  return (options, callback) => {
    const host = options.hostname.startsWith("[") ? options.hostname.slice(1, -1) : options.hostname;
    if (isIP(host) !== 0 && !isPublicAddress(host)) {
      callback(new PrivateAddressError(host, host), null);
      return;
    }
    connect(options, (error, socket) => {
      if (error || !socket) return callback(error ?? new Error(`Could not connect to ${host}`), null);
      const remote = (socket as Socket).remoteAddress;
      if (remote !== undefined && !isPublicAddress(remote)) {
        socket.destroy();
        return callback(new PrivateAddressError(host, remote), null);
      }
      callback(null, socket);
    });
  };
}

type Controller = Dispatcher.DispatchController;
type NewApiHandler = Required<Pick<Dispatcher.DispatchHandler,
  "onRequestStart" | "onResponseStart" | "onResponseData" | "onResponseEnd" | "onResponseError">> & Dispatcher.DispatchHandler;

/** Enforces a deadline and a response size cap on one request, then hands everything to the caller's handler. */
class LimitedHandler implements Dispatcher.DispatchHandler {
  readonly #inner: NewApiHandler;
  readonly #url: string;
  readonly #maxBytes: number;
  readonly #timer: NodeJS.Timeout;
  #controller: Controller | undefined;
  #bytes = 0;
  #error: Error | undefined;
  #settled = false;

  constructor(handler: Dispatcher.DispatchHandler, url: string, timeoutMs: number, maxBytes: number) {
    // DecoratorHandler presents any handler (fetch's is of the older kind) through the current API.
    this.#inner = new DecoratorHandler(handler) as unknown as NewApiHandler;
    this.#url = url;
    this.#maxBytes = maxBytes;
    this.#timer = setTimeout(() => this.#fail(new OutboundTimeoutError(url, timeoutMs)), timeoutMs);
    this.#timer.unref();
  }

  onRequestStart(controller: Controller, context: unknown): void {
    this.#controller = controller;
    if (this.#error) return controller.abort(this.#error);
    this.#inner.onRequestStart(controller, context);
  }

  onRequestUpgrade(controller: Controller, statusCode: number, headers: Record<string, string | string[] | undefined>, socket: never): void {
    this.#inner.onRequestUpgrade?.(controller, statusCode, headers, socket);
  }

  onResponseStart(controller: Controller, statusCode: number, headers: Record<string, string | string[] | undefined>, statusMessage?: string): void {
    if (this.#error) return;
    const length = Number(headers["content-length"]);
    if (Number.isFinite(length) && length > this.#maxBytes) return this.#fail(new ResponseTooLargeError(this.#url, this.#maxBytes));
    this.#inner.onResponseStart(controller, statusCode, headers, statusMessage);
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    if (this.#error) return;
    this.#bytes += chunk.length;
    if (this.#bytes > this.#maxBytes) return this.#fail(new ResponseTooLargeError(this.#url, this.#maxBytes));
    this.#inner.onResponseData(controller, chunk);
  }

  onResponseEnd(controller: Controller, trailers: Record<string, string | string[] | undefined>): void {
    clearTimeout(this.#timer);
    if (this.#settled) return;
    this.#settled = true;
    this.#inner.onResponseEnd(controller, trailers);
  }

  onResponseError(controller: Controller, error: Error): void {
    clearTimeout(this.#timer);
    if (this.#settled) return;
    this.#settled = true;
    this.#inner.onResponseError(controller, this.#error ?? error);
  }

  /** Aborts the request with `error`; the caller sees `error` exactly once. */
  #fail(error: Error): void {
    if (this.#error || this.#settled) return;
    this.#error = error;
    if (this.#controller) {
      this.#controller.abort(error);
      // Settles through onResponseError; make sure it does even if the request had already finished sending.
      if (!this.#settled) this.onResponseError(this.#controller, error);
    } else {
      // Not connected yet: fail the caller now; the connection attempt is aborted when it starts.
      clearTimeout(this.#timer);
      this.#settled = true;
      this.#inner.onResponseError(undefined as unknown as Controller, error);
    }
  }
}

/**
 * Connection pooling for every outgoing request (src/net/bounded-agent.ts):
 * idle connections kept for this long, a server's longer keep-alive capped,
 * at most this many hosts keeping idle connections, and this many
 * connections per host.
 */
export const CONNECTION_LIMITS = {
  keepAliveTimeoutMs: 4_000,
  keepAliveMaxTimeoutMs: 15_000,
  maxIdleOrigins: 256,
  connectionsPerOrigin: 64,
} as const;

const CONNECT_TIMEOUT_MS = 10_000;

/** The dispatcher behind global fetch: routes each request by the policy of its async context. */
class PolicyDispatcher extends Dispatcher {
  /** Requests outside any policy, and from instances that allow private addresses. */
  readonly #open = new BoundedAgent({
    ...CONNECTION_LIMITS,
    connect: buildConnector({ timeout: CONNECT_TIMEOUT_MS, lookup: cachedLookup } as buildConnector.BuildOptions),
  });
  /** Requests from instances that do not: every connection goes to a public address. */
  readonly #publicOnly = new BoundedAgent({ ...CONNECTION_LIMITS, connect: publicOnlyConnector(CONNECT_TIMEOUT_MS) });

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    // A response Praxis already received, handed to Fedify's failure handling (src/net/replay.ts).
    if (replayIfRecorded(options, handler)) return true;
    const policy = storage.getStore();
    if (!policy) return this.#open.dispatch(options, handler);
    const agent = policy.allowPrivateAddress ? this.#open : this.#publicOnly;
    const url = `${options.origin ?? ""}${options.path}`;
    const perRequest = options.method === "POST" ? policy.deliveryTimeoutMs : policy.fetchTimeoutMs;
    const timeoutMs = policy.deadline === undefined ? perRequest : Math.max(0, Math.min(perRequest, policy.deadline - Date.now()));
    return agent.dispatch(options, new LimitedHandler(handler, url, timeoutMs, policy.maxResponseBytes));
  }

  override async close(): Promise<void> {
    await Promise.all([this.#open.close(), this.#publicOnly.close()]);
  }

  override async destroy(): Promise<void> {
    await Promise.all([this.#open.destroy(), this.#publicOnly.destroy()]);
  }
}

let installed: PolicyDispatcher | undefined;

/** Makes the policy dispatcher Node's global one (idempotent). */
export function installOutboundDispatcher(): void {
  if (installed && getGlobalDispatcher() === installed) return;
  installed ??= new PolicyDispatcher();
  setGlobalDispatcher(installed);
}

/** The outbound policy of a Praxis configured with `config`. */
export function outboundPolicyFromConfig(config: {
  origin: string;
  allowPrivateAddress: boolean;
  outbound: { fetchTimeoutSeconds: number; deliveryTimeoutSeconds: number; maxResponseBytes: number; inboxFetchBudgetSeconds: number };
}): OutboundPolicy {
  return {
    name: config.origin,
    allowPrivateAddress: config.allowPrivateAddress,
    fetchTimeoutMs: config.outbound.fetchTimeoutSeconds * 1000,
    deliveryTimeoutMs: config.outbound.deliveryTimeoutSeconds * 1000,
    maxResponseBytes: config.outbound.maxResponseBytes,
  };
}
