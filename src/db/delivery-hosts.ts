// The last delivery outcome per remote host, for `praxis queue status`:
// written by the delivery gate after each delivery attempt.
import type { Kysely } from "kysely";
import { Coalescer } from "./coalescer.ts";
import type { Database } from "./schema.ts";

const ERROR_MAX_LENGTH = 500;

export interface DeliveryHost {
  host: string;
  lastSuccessAt: Date | null;
  lastFailureAt: Date | null;
  /** HTTP status of the last failure; null for a network error, a timeout or a refusal. */
  lastStatus: number | null;
  lastError: string | null;
  /** Failed attempts since the last success. */
  failures: number;
}

interface Outcome {
  host: string;
  at: number;
  failure?: { status: number | null; error: string };
}

export class DeliveryHosts {
  readonly #db: Kysely<Database>;
  /**
   * The outcomes of one turn of the event loop, written in order: each run
   * of successes is one UPDATE, each failure one upsert.
   */
  readonly #outcomes: Coalescer<Outcome>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
    this.#outcomes = new Coalescer(async (outcomes) => {
      let successes: Outcome[] = [];
      for (const outcome of [...outcomes, null]) {
        if (outcome?.failure === undefined && outcome !== null) {
          successes.push(outcome);
          continue;
        }
        if (successes.length > 0) await this.#writeSuccesses(successes);
        successes = [];
        if (outcome?.failure) await this.#writeFailure(outcome.host, outcome.at, outcome.failure);
      }
    });
  }

  recordFailure(host: string, status: number | null, error: string): Promise<void> {
    return this.#outcomes.add({ host, at: Date.now(), failure: { status, error } });
  }

  async #writeSuccesses(successes: Outcome[]): Promise<void> {
    const hosts = [...new Set(successes.map((s) => s.host))];
    const at = Math.max(...successes.map((s) => s.at));
    for (let start = 0; start < hosts.length; start += 500) {
      await this.#db.updateTable("delivery_hosts")
        .set({ last_success_at: at, failures: 0 })
        .where("host", "in", hosts.slice(start, start + 500))
        .execute();
    }
  }

  async #writeFailure(host: string, now: number, failure: { status: number | null; error: string }): Promise<void> {
    const { status } = failure;
    const lastError = failure.error.slice(0, ERROR_MAX_LENGTH);
    await this.#db.insertInto("delivery_hosts")
      .values({ host, last_failure_at: now, last_status: status, last_error: lastError, failures: 1 })
      .onConflict((oc) => oc.column("host").doUpdateSet((eb) => ({
        last_failure_at: now,
        last_status: status,
        last_error: lastError,
        failures: eb("delivery_hosts.failures", "+", 1),
      })))
      .execute();
  }

  /**
   * Records a success; hosts that never failed get no row. The successes of
   * one turn of the event loop are one UPDATE.
   */
  recordSuccess(host: string): Promise<void> {
    return this.#outcomes.add({ host, at: Date.now() });
  }

  /** Hosts with failures since their last success, most failures first, then `hosts` whatever their state. */
  async list(hosts: readonly string[] = [], limit = 50): Promise<DeliveryHost[]> {
    const rows = await this.#db.selectFrom("delivery_hosts").selectAll()
      .where((eb) => eb.or([eb("failures", ">", 0), ...(hosts.length > 0 ? [eb("host", "in", hosts)] : [])]))
      .orderBy("failures", "desc").orderBy("host")
      .limit(limit + hosts.length)
      .execute();
    return rows.map((row) => ({
      host: row.host,
      lastSuccessAt: row.last_success_at === null ? null : new Date(Number(row.last_success_at)),
      lastFailureAt: row.last_failure_at === null ? null : new Date(Number(row.last_failure_at)),
      lastStatus: row.last_status === null ? null : Number(row.last_status),
      lastError: row.last_error,
      failures: Number(row.failures),
    }));
  }
}
