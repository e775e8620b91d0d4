// How a leased message is settled, each statement conditional on the lease
// token so that a listener that lost its lease (it expired, another listener
// claimed the message) changes nothing: acknowledged (deleted, a turn's
// acknowledgements together), rescheduled with backoff or dead-lettered
// after a failure, released for immediate redelivery, its lease renewed.
import { getLogger } from "@logtape/logtape";
import type { Kysely } from "kysely";
import { isDatabaseUnavailable } from "./faults.ts";
import { CHUNK_SIZE } from "./queue-messages.ts";
import type { Database } from "./schema.ts";

const logger = getLogger(["praxis", "db", "queue"]);

const LAST_ERROR_MAX_LENGTH = 4000;

/** A claimed message, as its listener holds it. */
export interface Lease {
  id: string;
  token: string;
  payload: string;
  /** Deliveries so far, this one included. */
  attempts: number;
  queue: string;
  ordering_key: string | null;
  seq: number;
}

export function warnLeaseLost(lease: Lease): void {
  logger.warn("Lost the lease of message {id} in queue {queue}; it may be handled twice", { id: lease.id, queue: lease.queue });
}

/** Deletes acknowledged messages, one statement per claim (its lease token). */
export async function acknowledgeAll(db: Kysely<Database>, leases: Lease[]): Promise<void> {
  const byToken = new Map<string, Lease[]>();
  for (const lease of leases) {
    const group = byToken.get(lease.token);
    if (group) group.push(lease);
    else byToken.set(lease.token, [lease]);
  }
  for (const [token, group] of byToken) {
    for (let start = 0; start < group.length; start += CHUNK_SIZE) {
      const chunk = group.slice(start, start + CHUNK_SIZE);
      const result = await db.deleteFrom("fedify_message")
        .where("lease_token", "=", token).where("id", "in", chunk.map((lease) => lease.id))
        .executeTakeFirst();
      if (Number(result.numDeletedRows) < chunk.length) {
        logger.warn("Lost the lease of {n} message(s) in queue {queue}; they may be handled twice",
          { n: chunk.length - Number(result.numDeletedRows), queue: chunk[0].queue });
      }
    }
  }
}

/**
 * After its handler failed: the message is due again after `backoff`, or,
 * past `maxAttempts`, stays as a dead letter. A handler that failed because
 * the database was unavailable (locked by another process past the retry
 * bound, PostgreSQL down) did nothing wrong: it is retried without spending
 * an attempt, never dead-lettered.
 */
export async function reschedule(db: Kysely<Database>, lease: Lease, error: unknown, retry: { maxAttempts: number; backoff: (attempt: number) => number }): Promise<void> {
  const unavailable = isDatabaseUnavailable(error);
  const dead = !unavailable && lease.attempts >= retry.maxAttempts;
  const result = await db.updateTable("fedify_message")
    .set((eb) => ({
      lease_token: null,
      locked_until: null,
      last_error: describeError(error),
      dead: dead ? 1 : 0,
      ...(unavailable ? { attempts: eb("attempts", "-", 1) } : {}),
      ...(dead ? {} : { available_at: Date.now() + retry.backoff(unavailable ? 1 : lease.attempts) }),
    }))
    .where("id", "=", lease.id).where("lease_token", "=", lease.token)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) return warnLeaseLost(lease);
  const properties = { id: lease.id, queue: lease.queue, attempts: lease.attempts, error };
  if (unavailable) logger.warn("Message {id} in queue {queue} met an unavailable database, will retry: {error}", properties);
  else if (dead) logger.error("Message {id} in queue {queue} dead-lettered after {attempts} failed attempts: {error}", properties);
  else logger.warn("Message {id} in queue {queue} failed (attempt {attempts}), will retry: {error}", properties);
}

/** Hands an unfinished message back; the aborted delivery does not count as an attempt. Never rejects. */
export async function release(db: Kysely<Database>, lease: Lease): Promise<boolean> {
  try {
    await db.updateTable("fedify_message")
      .set((eb) => ({ lease_token: null, locked_until: null, attempts: eb("attempts", "-", 1) }))
      .where("id", "=", lease.id).where("lease_token", "=", lease.token)
      .execute();
    return true;
  } catch (error) {
    logger.warn("Releasing message {id} in queue {queue} failed; it is redelivered once its lease expires: {error}",
      { id: lease.id, queue: lease.queue, error });
    return false;
  }
}

/** Extends the lease by `leaseMs` from now. Never rejects. */
export async function renew(db: Kysely<Database>, lease: Lease, leaseMs: number): Promise<void> {
  try {
    const result = await db.updateTable("fedify_message")
      .set({ locked_until: Date.now() + leaseMs })
      .where("id", "=", lease.id).where("lease_token", "=", lease.token)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) warnLeaseLost(lease);
  } catch (error) {
    logger.warn("Renewing the lease of message {id} in queue {queue} failed: {error}", { id: lease.id, queue: lease.queue, error });
  }
}

/**
 * Dead-letters messages claimed past `maxAttempts`: earlier deliveries never
 * reported back (the handler keeps crashing or hanging its process), so they
 * are not delivered again. Conditional on the claim's token.
 */
export async function buryUnacknowledged(db: Kysely<Database>, token: string, lost: Lease[]): Promise<void> {
  if (lost.length === 0) return;
  await db.updateTable("fedify_message")
    .set((eb) => ({
      dead: 1,
      attempts: eb("attempts", "-", 1),
      lease_token: null,
      locked_until: null,
      last_error: "Lease expired without acknowledgement: the listener crashed or stalled while handling it",
    }))
    .where("id", "in", lost.map((lease) => lease.id)).where("lease_token", "=", token)
    .execute();
  for (const lease of lost) {
    logger.error("Message {id} in queue {queue} dead-lettered after {attempts} unacknowledged deliveries",
      { id: lease.id, queue: lease.queue, attempts: lease.attempts - 1 });
  }
}

function describeError(error: unknown): string {
  const text = error instanceof Error ? (error.stack ?? String(error)) : String(error);
  return text.slice(0, LAST_ERROR_MAX_LENGTH);
}
