// The requests the HTTP server is answering, so that shutting down lets them
// finish (a peer's delivery gets its 202 and what it queued is written)
// before the database they use is closed, rather than resetting their
// connections and leaving their handlers to run against a closed database.
// The wait is bounded: the connections of requests still running after it
// are cut, and their handlers get a short while more before the database
// closes.
import type { Server } from "node:http";
import { getLogger } from "@logtape/logtape";

const logger = getLogger(["praxis", "web"]);

/** How long, once the handlers have settled, their responses have to be written and their connections to close. */
const CONNECTION_CLOSE_MS = 1_000;

export class InFlightRequests {
  #count = 0;
  #closing = false;
  #waiters: (() => void)[] = [];

  /** Requests being answered now (their handlers have not settled). */
  get count(): number {
    return this.#count;
  }

  /**
   * From now on, every response asks its client to close the connection
   * (`Connection: close`): a peer's keep-alive connection carries no further
   * request into a server that is shutting down.
   */
  closing(): void {
    this.#closing = true;
  }

  /** `handler`, counted while each of its calls runs. */
  track<A extends unknown[]>(handler: (...args: A) => Response | Promise<Response>): (...args: A) => Promise<Response> {
    return async (...args: A) => {
      this.#count++;
      try {
        const response = await handler(...args);
        if (this.#closing) {
          try {
            response.headers.set("connection", "close");
          } catch {
            // Immutable headers (a response passed through as fetched): the connection is cut later.
          }
        }
        return response;
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
 * Closes `server`: no new connections, idle keep-alive ones closed at once,
 * and every response from now on closes its connection; the requests being
 * answered finish, for up to `drainMs`; then every connection left is cut,
 * and the handlers still running (one that began on a keep-alive connection
 * meanwhile, or outlived the bound) get a last CONNECTION_CLOSE_MS. Resolves
 * once the server is closed.
 */
export async function closeGracefully(server: Server, requests: InFlightRequests, drainMs: number): Promise<void> {
  requests.closing();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const finished = await requests.settled(drainMs);
  if (!finished) {
    logger.warn("Shutting down with {count} requests still running after {ms} ms: their connections are cut", { count: requests.count, ms: drainMs });
  }
  server.closeIdleConnections();
  // Responses being written close their connections once written.
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([closed, new Promise<void>((resolve) => { timer = setTimeout(resolve, finished ? CONNECTION_CLOSE_MS : 0); })]);
  clearTimeout(timer);
  server.closeAllConnections();
  await closed;
  if (!(await requests.settled(CONNECTION_CLOSE_MS))) {
    logger.warn("Closing the database with {count} requests still running", { count: requests.count });
  }
}
