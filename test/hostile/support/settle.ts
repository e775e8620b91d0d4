// Waiting for what the inbox queued to be handled, without timing assumptions
// beyond a bounded wait.
import { sql } from "kysely";
import { sleep } from "../../support/net.ts";
import type { TestPraxis } from "../../support/praxis.ts";

/** Inbox messages still to handle: ready, leased, or waiting for a retry (dead letters excluded). */
export async function pendingInboxMessages(praxis: TestPraxis): Promise<number> {
  const { rows } = await sql<{ n: number | string }>`
    select count(*) as n from fedify_message
    where dead = 0 and payload like ${'{"type":"inbox"%'}`.execute(praxis.services.db);
  return Number(rows[0].n);
}

/**
 * Waits until no inbox message is ready or being handled (at most
 * `timeoutMs`); returns how many are still pending (e.g. delayed retries).
 */
export async function settleInbox(praxis: TestPraxis, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stats = await praxis.queue.stats();
    const { rows } = await sql<{ n: number | string }>`
      select count(*) as n from fedify_message
      where dead = 0 and available_at <= ${Date.now()} and payload like ${'{"type":"inbox"%'}`.execute(praxis.services.db);
    if (Number(rows[0].n) === 0 && stats.leased === 0) return pendingInboxMessages(praxis);
    if (Date.now() > deadline) return pendingInboxMessages(praxis);
    await sleep(100);
  }
}
