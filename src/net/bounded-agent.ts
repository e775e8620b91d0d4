// The connection pools behind Praxis's outgoing requests: one undici Pool
// per origin, like undici's Agent, but bounded.
//
// A fan-out talks to thousands of hosts once or twice each. undici's Agent
// keeps every origin's pool — its request queue, parser and keep-alive
// sockets — until the server closes the connection (often after a minute),
// which grows the process by hundreds of megabytes that never come back
// (the HTTP parsers' WebAssembly memory does not shrink). Here:
//
// - at most `maxIdleOrigins` origins keep idle pools: opening one more
//   closes the least recently used idle pools first (busy ones are never
//   touched), after taking them out of the map so that no request can reach
//   a closing pool;
// - idle sockets close after `keepAliveTimeoutMs`, and a server's longer
//   keep-alive hint is capped at `keepAliveMaxTimeoutMs`; a pool whose last
//   connection closed is released;
// - each origin has at most `connectionsPerOrigin` connections.
import { type buildConnector, Dispatcher, Pool } from "undici";

export interface BoundedAgentOptions {
  connect?: buildConnector.connector;
  maxIdleOrigins: number;
  connectionsPerOrigin: number;
  keepAliveTimeoutMs: number;
  keepAliveMaxTimeoutMs: number;
}

export class BoundedAgent extends Dispatcher {
  readonly #options: BoundedAgentOptions;
  /** Insertion order is recency of use: the least recently used come first. */
  readonly #pools = new Map<string, Pool>();

  constructor(options: BoundedAgentOptions) {
    super();
    this.#options = options;
  }

  /** Origins with a pool (open connections or requests), for tests and the benchmark. */
  get origins(): number {
    return this.#pools.size;
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const origin = String(options.origin);
    let pool = this.#pools.get(origin);
    if (pool) {
      this.#pools.delete(origin);
    } else {
      pool = this.#createPool(origin);
      this.#evictIdle();
    }
    this.#pools.set(origin, pool);
    return pool.dispatch(options, handler);
  }

  #createPool(origin: string): Pool {
    const pool = new Pool(origin, {
      connections: this.#options.connectionsPerOrigin,
      keepAliveTimeout: this.#options.keepAliveTimeoutMs,
      keepAliveMaxTimeout: this.#options.keepAliveMaxTimeoutMs,
      ...(this.#options.connect ? { connect: this.#options.connect } : {}),
    });
    const releaseIfUnused = () => {
      if (this.#pools.get(origin) !== pool || !isIdle(pool) || pool.stats.connected > 0) return;
      this.#pools.delete(origin);
      void pool.close().catch(() => {});
    };
    pool.on("disconnect", releaseIfUnused);
    pool.on("connectionError", releaseIfUnused);
    return pool;
  }

  /** Closes the least recently used idle pools beyond maxIdleOrigins. */
  #evictIdle(): void {
    let excess = this.#pools.size + 1 - this.#options.maxIdleOrigins;
    if (excess <= 0) return;
    for (const [origin, pool] of this.#pools) {
      if (excess <= 0) break;
      if (!isIdle(pool)) continue;
      this.#pools.delete(origin);
      void pool.close().catch(() => {});
      excess--;
    }
  }

  override async close(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((pool) => pool.close()));
  }

  override async destroy(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((pool) => pool.destroy()));
  }
}

function isIdle(pool: Pool): boolean {
  const { running, pending, queued } = pool.stats;
  return running === 0 && pending === 0 && queued === 0;
}
