// The instance's federation policy at run time: blocked hosts and, in
// allowlist mode, the allowed ones. Read on every inbox request and every
// delivery, so it is kept in memory and reloaded from the database at most
// every few seconds (changes made by the CLI in another process take effect
// within that delay; changes made in this process at once, on every thread:
// role "all" runs its queue worker on a thread of its own, told of changes
// over a BroadcastChannel).
import { BroadcastChannel } from "node:worker_threads";
import type { DomainRepository } from "../db/repositories/domains.ts";
import { type DomainPolicySnapshot, type DomainVerdict, type FederationMode, hostOf, judgeHost } from "../domain/hosts.ts";

export class DomainPolicy {
  readonly mode: FederationMode;
  readonly #repo: DomainRepository;
  readonly #ttlMs: number;
  #snapshot: DomainPolicySnapshot | null = null;
  #loadedAt = 0;
  #loading: Promise<DomainPolicySnapshot> | null = null;
  /** Tells the policies of this process's other threads (same database) to forget theirs. */
  readonly #channel: BroadcastChannel | null;

  /** `channel`: a name shared by the policies of one database (its path or URL); none for a policy alone. */
  constructor(repo: DomainRepository, mode: FederationMode, options: { ttlMs?: number; channel?: string } = {}) {
    this.#repo = repo;
    this.mode = mode;
    this.#ttlMs = options.ttlMs ?? 2_000;
    this.#channel = options.channel ? new BroadcastChannel(`praxis-domain-policy:${options.channel}`) : null;
    if (this.#channel) {
      this.#channel.onmessage = () => this.#forget();
      // It never keeps the process alive by itself.
      (this.#channel as unknown as { unref(): void }).unref();
    }
  }

  /** Bumped by every change: a load begun before a change must not be kept as fresh. */
  #generation = 0;

  #forget(): void {
    this.#snapshot = null;
    // A load begun before the change is neither kept nor shared with later callers.
    this.#loading = null;
    this.#generation++;
  }

  async snapshot(): Promise<DomainPolicySnapshot> {
    if (this.#snapshot && Date.now() - this.#loadedAt < this.#ttlMs) return this.#snapshot;
    if (this.#loading) return this.#loading;
    const generation = this.#generation;
    const loading = (async () => {
      const [blocked, allowed] = await Promise.all([this.#repo.blockedHosts(), this.#repo.allowedHosts()]);
      const snapshot: DomainPolicySnapshot = { mode: this.mode, blocked: new Set(blocked), allowed: new Set(allowed) };
      if (generation === this.#generation) {
        this.#snapshot = snapshot;
        this.#loadedAt = Date.now();
      }
      return snapshot;
    })();
    this.#loading = loading;
    const done = () => {
      if (this.#loading === loading) this.#loading = null;
    };
    loading.then(done, done);
    return loading;
  }

  /** Forgets the cached policy after a change, here and on this process's other threads. */
  invalidate(): void {
    this.#forget();
    this.#channel?.postMessage("changed");
  }

  close(): void {
    this.#channel?.close();
  }

  async judge(host: string): Promise<DomainVerdict> {
    return judgeHost(await this.snapshot(), host);
  }

  /** Whether Praxis federates with the host of `uri` (false for anything that is not a URL). */
  async allowsUri(uri: string | URL | null | undefined): Promise<boolean> {
    const host = hostOf(uri);
    return host !== null && (await this.judge(host)).allowed;
  }
}
