// The last delivery outcome per remote host, for `praxis queue status`:
// written by the delivery gate after each delivery attempt.
import type { Kysely } from "kysely";
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

export class DeliveryHosts {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async recordFailure(host: string, status: number | null, error: string): Promise<void> {
    const now = Date.now();
    const lastError = error.slice(0, ERROR_MAX_LENGTH);
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

  /** Records a success; hosts that never failed get no row (one cheap UPDATE per delivery). */
  async recordSuccess(host: string): Promise<void> {
    await this.#db.updateTable("delivery_hosts")
      .set({ last_success_at: Date.now(), failures: 0 })
      .where("host", "=", host)
      .execute();
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
