// The connection pools behind Praxis's outgoing requests: per origin, one
// undici Client, or a Pool once the origin has more than one request at a
// time; like undici's Agent, but bounded.
//
// A fan-out talks to thousands of hosts once or twice each. undici's Agent
// keeps every origin's pool — its request queue, parser and keep-alive
// sockets — until the server closes the connection (often after a minute),
// which grows the process by hundreds of megabytes that never come back
// (the HTTP parsers' WebAssembly memory does not shrink). Here:
//
// - an origin starts with a single Client (one connection, requests in
//   order). A Pool is made only when a request finds that Client busy: most
//   hosts of a fan-out get one request at a time, and a Pool's request queue
//   alone is a 2,048-slot array (16 KiB) per origin, which a fan-out to
//   2,000 hosts allocated and promoted to the old generation as 32 MB. The
//   Client being replaced finishes what it has and closes;
// - at most `maxIdleOrigins` origins keep idle connections: opening one more
//   closes the least recently used idle ones first (busy ones are never
//   touched), after taking them out of the map so that no request can reach
//   a closing dispatcher;
// - idle sockets close after `keepAliveTimeoutMs`, and a server's longer
//   keep-alive hint is capped at `keepAliveMaxTimeoutMs`; an origin whose
//   last connection closed is released;
// - each origin has at most `connectionsPerOrigin` connections.
import { type buildConnector, Client, Dispatcher, Pool } from "undici";

export interface BoundedAgentOptions {
  connect?: buildConnector.connector;
  maxIdleOrigins: number;
  connectionsPerOrigin: number;
  keepAliveTimeoutMs: number;
  keepAliveMaxTimeoutMs: number;
}

type OriginDispatcher = Client | Pool;

export class BoundedAgent extends Dispatcher {
  readonly #options: BoundedAgentOptions;
  /** Insertion order is recency of use: the least recently used come first. */
  readonly #origins = new Map<string, OriginDispatcher>();

  constructor(options: BoundedAgentOptions) {
    super();
    this.#options = options;
  }

  /** Origins with a Client or Pool (open connections or requests), for tests and the benchmark. */
  get origins(): number {
    return this.#origins.size;
  }

  /** Origins held with a Pool (they had more than one request at a time), for tests and the benchmark. */
  get pooledOrigins(): number {
    let pooled = 0;
    for (const target of this.#origins.values()) if (target instanceof Pool) pooled++;
    return pooled;
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const origin = String(options.origin);
    let target = this.#origins.get(origin);
    if (target) {
      this.#origins.delete(origin);
      if (target instanceof Client && this.#options.connectionsPerOrigin > 1 && target.stats.size > 0) {
        // A second request while the first is under way: this origin gets a
        // Pool, and the Client closes once its own requests are done.
        const client = target;
        target = this.#create(origin, true);
        void client.close().catch(() => {});
      }
    } else {
      target = this.#create(origin, false);
      this.#evictIdle();
    }
    this.#origins.set(origin, target);
    return target.dispatch(options, handler);
  }

  #create(origin: string, pooled: boolean): OriginDispatcher {
    const options = {
      keepAliveTimeout: this.#options.keepAliveTimeoutMs,
      keepAliveMaxTimeout: this.#options.keepAliveMaxTimeoutMs,
      ...(this.#options.connect ? { connect: this.#options.connect } : {}),
    };
    const target: OriginDispatcher = pooled
      ? new Pool(origin, { ...options, connections: this.#options.connectionsPerOrigin })
      : new Client(origin, options);
    const releaseIfUnused = () => {
      if (this.#origins.get(origin) !== target || !isIdle(target) || Number(target.stats.connected) > 0) return;
      this.#origins.delete(origin);
      void target.close().catch(() => {});
    };
    target.on("disconnect", releaseIfUnused);
    target.on("connectionError", releaseIfUnused);
    return target;
  }

  /** Closes the least recently used idle origins beyond maxIdleOrigins. */
  #evictIdle(): void {
    let excess = this.#origins.size + 1 - this.#options.maxIdleOrigins;
    if (excess <= 0) return;
    for (const [origin, target] of this.#origins) {
      if (excess <= 0) break;
      if (!isIdle(target)) continue;
      this.#origins.delete(origin);
      void target.close().catch(() => {});
      excess--;
    }
  }

  override async close(): Promise<void> {
    const targets = [...this.#origins.values()];
    this.#origins.clear();
    await Promise.all(targets.map((target) => target.close()));
  }

  override async destroy(): Promise<void> {
    const targets = [...this.#origins.values()];
    this.#origins.clear();
    await Promise.all(targets.map((target) => target.destroy()));
  }
}

function isIdle(target: OriginDispatcher): boolean {
  if (target instanceof Client) return target.stats.size === 0;
  const { running, pending, queued } = target.stats;
  return running === 0 && pending === 0 && queued === 0;
}
