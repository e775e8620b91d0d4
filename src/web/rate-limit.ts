// A fixed-window request counter per key (a remote host, or a connecting
// address), in memory: each key has its own budget, so one host's burst
// never affects another. With several web processes each counts on its own;
// a load balancer that spreads one host over N processes lets through up to
// N times the limit.

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

interface Window {
  startedAt: number;
  count: number;
}

const PRUNE_THRESHOLD = 10_000;

export class HostRateLimiter {
  readonly limit: number;
  readonly windowMs: number;
  readonly #now: () => number;
  readonly #windows = new Map<string, Window>();

  constructor(options: { limit: number; windowSeconds: number; now?: () => number }) {
    this.limit = options.limit;
    this.windowMs = options.windowSeconds * 1000;
    this.#now = options.now ?? Date.now;
  }

  /** Counts one request from `key`. A limit of 0 means no limit. */
  hit(key: string): RateDecision {
    if (this.limit <= 0) return { allowed: true };
    const now = this.#now();
    let w = this.#windows.get(key);
    if (!w || now - w.startedAt >= this.windowMs) {
      if (this.#windows.size >= PRUNE_THRESHOLD) this.#prune(now);
      w = { startedAt: now, count: 0 };
      this.#windows.set(key, w);
    }
    w.count += 1;
    if (w.count <= this.limit) return { allowed: true };
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((w.startedAt + this.windowMs - now) / 1000)) };
  }

  #prune(now: number): void {
    for (const [key, w] of this.#windows) if (now - w.startedAt >= this.windowMs) this.#windows.delete(key);
  }
}
