// Waiting for what the inbox queued to be handled, within a bound.
import { sql } from "kysely";
import { sleep } from "../../support/net.ts";
import type { TestPraxis } from "../../support/praxis.ts";

const INBOX = '{"type":"inbox"%';

/** Inbox messages still to handle: ready, being handled, or waiting for a retry (dead letters excluded). */
export async function pendingInboxMessages(praxis: TestPraxis): Promise<number> {
  const { rows } = await sql<{ n: number | string }>`
    select count(*) as n from fedify_message where dead = 0 and payload like ${INBOX}`.execute(praxis.services.db);
  return Number(rows[0].n);
}

/** Inbox messages due now or being handled (enqueued since `since`, epoch ms). */
async function activeInboxMessages(praxis: TestPraxis, since: number): Promise<number> {
  const now = Date.now();
  const { rows } = await sql<{ n: number | string }>`
    select count(*) as n from fedify_message
    where dead = 0 and payload like ${INBOX} and created_at >= ${since}
      and (available_at <= ${now} or locked_until > ${now})`.execute(praxis.services.db);
  return Number(rows[0].n);
}

/**
 * Waits up to `timeoutMs` for the inbox messages due now (those enqueued
 * since `since`) to be handled; true if some are still due or being handled then.
 */
export async function busyInbox(praxis: TestPraxis, timeoutMs: number, since = 0): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await activeInboxMessages(praxis, since) === 0) return false;
    if (Date.now() > deadline) return true;
    await sleep(50);
  }
}

/**
 * Waits until no inbox message is due or being handled (at most
 * `timeoutMs`); returns how many are still pending (e.g. delayed retries).
 */
export async function settleInbox(praxis: TestPraxis, timeoutMs = 30_000): Promise<number> {
  await busyInbox(praxis, timeoutMs);
  return pendingInboxMessages(praxis);
}
