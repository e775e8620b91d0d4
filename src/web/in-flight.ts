// The requests the HTTP server is answering, so that shutting down lets them
// finish (a peer's delivery gets its 202 and what it queued is written)
// before the database they use is closed, rather than resetting their
// connections and leaving their handlers to run against a closed database.
// The wait is bounded: a request still running after it is cut.
import type { Server } from "node:http";
import { getLogger } from "@logtape/logtape";

const logger = getLogger(["praxis", "web"]);

/** How long, once the handlers have settled, their responses have to be written and their connections to close. */
const CONNECTION_CLOSE_MS = 1_000;

export class InFlightRequests {
  #count = 0;
  #waiters: (() => void)[] = [];

  /** Requests being answered now (their handlers have not settled). */
  get count(): number {
    return this.#count;
  }

  /** `handler`, counted while each of its calls runs. */
  track<A extends unknown[], R>(handler: (...args: A) => R | Promise<R>): (...args: A) => Promise<R> {
    return async (...args: A) => {
      this.#count++;
      try {
        return await handler(...args);
      } finally {
        if (--this.#count === 0) for (const wake of this.#waiters.splice(0)) wake();
      }
    };
  }

  /** Resolves once no request is running, or after `timeoutMs`: true if they all finished. */
  settled(timeoutMs: number): Promise<boolean> {
    if (this.#count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== done);
        resolve(false);
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.#waiters.push(done);
    });
  }
}

/**
 * Closes `server`: no new connections, idle keep-alive ones closed at once;
 * the requests being answered finish, for up to `drainMs`; then every
 * connection left is cut. Resolves once the server is closed.
 */
export async function closeGracefully(server: Server, requests: InFlightRequests, drainMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const finished = await requests.settled(drainMs);
  if (!finished) {
    logger.warn("Shutting down with {count} requests still running after {ms} ms: their connections are cut", { count: requests.count, ms: drainMs });
  }
  server.closeIdleConnections();
  // Keep-alive connections from peers must not hold shutdown up.
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([closed, new Promise<void>((resolve) => { timer = setTimeout(resolve, finished ? CONNECTION_CLOSE_MS : 0); })]);
  clearTimeout(timer);
  server.closeAllConnections();
  await closed;
}
