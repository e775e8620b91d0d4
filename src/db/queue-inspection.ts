// What is in the queue, for operators: depth overall, per kind of message and
// per delivery host, and the dead letters (never their payloads, which hold
// private keys). Read-only queries on the `fedify_message` table.
import { type Kysely, sql } from "kysely";
import type { Database } from "./schema.ts";

export interface QueueStats {
  queue: string;
  /** Due and not leased (including keyed messages waiting behind an earlier one). */
  ready: number;
  /** Scheduled for later: an enqueue delay or a retry backoff. */
  delayed: number;
  /** Being handled (lease not yet expired). */
  leased: number;
  dead: number;
  oldestReadyAgeMs: number | null;
}

export interface DeadLetter {
  id: string;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  /** The `type` field of the payload (`fanout`, `outbox`, `inbox` for Fedify); the payload itself holds private keys. */
  payloadType?: string;
}

export interface KindStats {
  /** Fedify's message type (fanout, outbox, inbox), or "other". */
  kind: string;
  ready: number;
  delayed: number;
  leased: number;
  dead: number;
}

export interface HostQueueStats {
  host: string;
  ready: number;
  delayed: number;
  leased: number;
  dead: number;
  /** When the earliest delayed delivery to this host is due (a retry or a held delivery). */
  nextAttemptAt: Date | null;
}

export async function queueStats(db: Kysely<Database>, queue: string): Promise<QueueStats> {
  const now = Date.now();
  const waiting = sql`dead = 0 and (locked_until is null or locked_until <= ${now})`;
  const { rows } = await sql<Record<"ready" | "delayed" | "leased" | "dead" | "oldest_ready", number | string | null>>`
    select
      count(case when ${waiting} and available_at <= ${now} then 1 end) as ready,
      count(case when ${waiting} and available_at > ${now} then 1 end) as delayed,
      count(case when dead = 0 and locked_until > ${now} then 1 end) as leased,
      count(case when dead = 1 then 1 end) as dead,
      min(case when ${waiting} and available_at <= ${now} then available_at end) as oldest_ready
    from fedify_message
    where queue = ${queue}`.execute(db);
  const row = rows[0];
  return {
    queue: queue,
    ready: Number(row.ready),
    delayed: Number(row.delayed),
    leased: Number(row.leased),
    dead: Number(row.dead),
    oldestReadyAgeMs: row.oldest_ready === null ? null : Math.max(0, now - Number(row.oldest_ready)),
  };
}

/** The most recent dead letters, without their payloads. */
export async function deadLetters(db: Kysely<Database>, queue: string, limit: number): Promise<DeadLetter[]> {
  const rows = await db.selectFrom("fedify_message")
    .select(["id", "attempts", "last_error", "created_at", "payload"])
    .where("queue", "=", queue).where("dead", "=", 1)
    .orderBy("created_at", "desc").orderBy("seq", "desc").limit(limit)
    .execute();
  return rows.map((row) => ({
    id: row.id,
    attempts: Number(row.attempts),
    lastError: row.last_error,
    createdAt: new Date(Number(row.created_at)),
    payloadType: payloadType(row.payload),
  }));
}

/** Depth per message kind (fanout, outbox, inbox), kinds with no message left out. */
export async function kindStats(db: Kysely<Database>, queue: string): Promise<KindStats[]> {
  const now = Date.now();
  const waiting = sql`dead = 0 and (locked_until is null or locked_until <= ${now})`;
  const { rows } = await sql<Record<"ready" | "delayed" | "leased" | "dead", number | string> & { kind: string | null }>`
    select kind,
      count(case when ${waiting} and available_at <= ${now} then 1 end) as ready,
      count(case when ${waiting} and available_at > ${now} then 1 end) as delayed,
      count(case when dead = 0 and locked_until > ${now} then 1 end) as leased,
      count(case when dead = 1 then 1 end) as dead
    from fedify_message
    where queue = ${queue}
    group by kind
    order by kind`.execute(db);
  return rows.map((row) => ({
    kind: row.kind ?? "other",
    ready: Number(row.ready),
    delayed: Number(row.delayed),
    leased: Number(row.leased),
    dead: Number(row.dead),
  }));
}

/** Deliveries per host (hosts with a message in the queue), most queued first. */
export async function hostStats(db: Kysely<Database>, queue: string, limit: number): Promise<HostQueueStats[]> {
  const now = Date.now();
  const waiting = sql`dead = 0 and (locked_until is null or locked_until <= ${now})`;
  const { rows } = await sql<Record<"ready" | "delayed" | "leased" | "dead", number | string> & { host: string; next: number | string | null }>`
    select host,
      count(case when ${waiting} and available_at <= ${now} then 1 end) as ready,
      count(case when ${waiting} and available_at > ${now} then 1 end) as delayed,
      count(case when dead = 0 and locked_until > ${now} then 1 end) as leased,
      count(case when dead = 1 then 1 end) as dead,
      min(case when ${waiting} and available_at > ${now} then available_at end) as next
    from fedify_message
    where queue = ${queue} and host is not null
    group by host
    order by count(*) desc, host
    limit ${limit}`.execute(db);
  return rows.map((row) => ({
    host: row.host,
    ready: Number(row.ready),
    delayed: Number(row.delayed),
    leased: Number(row.leased),
    dead: Number(row.dead),
    nextAttemptAt: row.next === null ? null : new Date(Number(row.next)),
  }));
}

function payloadType(payload: string): string | undefined {
  const value: unknown = JSON.parse(payload);
  return typeof value === "object" && value !== null && "type" in value && typeof value.type === "string"
    ? value.type
    : undefined;
}
