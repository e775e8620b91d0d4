// The in-memory domain policy (src/federation/domain-policy.ts): a change
// made on one thread is seen at once by the policies of the other threads
// of the process (role "all" runs its queue worker on a thread of its own),
// and a load begun before a change is never kept as the current policy.
import { expect, it } from "vitest";
import type { DomainRepository } from "../../src/db/repositories/domains.ts";
import { DomainPolicy } from "../../src/federation/domain-policy.ts";
import { waitFor } from "../support/net.ts";

/** A repository of blocked hosts whose reads can be held. */
function fakeRepo() {
  const blocked = new Set<string>();
  let hold: Promise<void> | null = null;
  const repo = {
    async blockedHosts() {
      const seen = [...blocked];
      if (hold) await hold;
      return seen;
    },
    async allowedHosts() {
      return [];
    },
  } as unknown as DomainRepository;
  return { repo, blocked, holdReads: (p: Promise<void> | null) => { hold = p; } };
}

it("tells the policies of the same database on other threads to forget theirs", async () => {
  const { repo, blocked } = fakeRepo();
  const channel = `test-${crypto.randomUUID()}`;
  // Two policies stand for the web thread's and the worker thread's; a
  // BroadcastChannel reaches every other channel of the name, whatever its thread.
  const web = new DomainPolicy(repo, "open", { channel, ttlMs: 60_000 });
  const worker = new DomainPolicy(repo, "open", { channel, ttlMs: 60_000 });
  const elsewhere = new DomainPolicy(repo, "open", { channel: `${channel}-other`, ttlMs: 60_000 });
  try {
    expect((await worker.judge("spam.example")).allowed).toBe(true);
    expect((await elsewhere.judge("spam.example")).allowed).toBe(true);
    blocked.add("spam.example");
    web.invalidate();
    expect((await web.judge("spam.example")).allowed).toBe(false);
    await waitFor(async () => !(await worker.judge("spam.example")).allowed, "the worker's policy to change", 2_000);
    // Another database's policy keeps its cache until its own time is up.
    expect((await elsewhere.judge("spam.example")).allowed).toBe(true);
  } finally {
    web.close();
    worker.close();
    elsewhere.close();
  }
});

it("does not keep, nor share, a load begun before a change", async () => {
  const { repo, blocked, holdReads } = fakeRepo();
  const policy = new DomainPolicy(repo, "open", { ttlMs: 60_000 });
  let release!: () => void;
  holdReads(new Promise<void>((resolve) => { release = resolve; }));
  const before = policy.judge("spam.example"); // reads the hosts before the block
  blocked.add("spam.example");
  policy.invalidate();
  holdReads(null);
  const after = policy.judge("spam.example");
  release();
  expect((await before).allowed).toBe(true);
  expect((await after).allowed).toBe(false);
  expect((await policy.judge("spam.example")).allowed).toBe(false);
});
