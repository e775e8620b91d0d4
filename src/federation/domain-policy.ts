// The instance's federation policy at run time: blocked hosts and, in
// allowlist mode, the allowed ones. Read on every inbox request and every
// delivery, so it is kept in memory and reloaded from the database at most
// every few seconds (changes made by the CLI in another process take effect
// within that delay; changes made in this process at once).
import type { DomainRepository } from "../db/repositories/domains.ts";
import { type DomainPolicySnapshot, type DomainVerdict, type FederationMode, hostOf, judgeHost } from "../domain/hosts.ts";

export class DomainPolicy {
  readonly mode: FederationMode;
  readonly #repo: DomainRepository;
  readonly #ttlMs: number;
  #snapshot: DomainPolicySnapshot | null = null;
  #loadedAt = 0;
  #loading: Promise<DomainPolicySnapshot> | null = null;

  constructor(repo: DomainRepository, mode: FederationMode, options: { ttlMs?: number } = {}) {
    this.#repo = repo;
    this.mode = mode;
    this.#ttlMs = options.ttlMs ?? 2_000;
  }

  async snapshot(): Promise<DomainPolicySnapshot> {
    if (this.#snapshot && Date.now() - this.#loadedAt < this.#ttlMs) return this.#snapshot;
    this.#loading ??= (async () => {
      try {
        const [blocked, allowed] = await Promise.all([this.#repo.blockedHosts(), this.#repo.allowedHosts()]);
        this.#snapshot = { mode: this.mode, blocked: new Set(blocked), allowed: new Set(allowed) };
        this.#loadedAt = Date.now();
        return this.#snapshot;
      } finally {
        this.#loading = null;
      }
    })();
    return this.#loading;
  }

  /** Forgets the cached policy after a change. */
  invalidate(): void {
    this.#snapshot = null;
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
