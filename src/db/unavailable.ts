// Tells an error that means "the database cannot be used right now" (locked,
// out of space, unreachable, shut down, closed) from every other error, so
// that a request failing for that reason can be answered 503 + Retry-After
// (the sender retries later) rather than as a bad request.

const SQLITE_CODES = /^SQLITE_(BUSY|LOCKED|IOERR|CANTOPEN|FULL|READONLY|NOMEM|PROTOCOL|NOLFS)/;
// PostgreSQL SQLSTATE classes 08 (connection exception) and 53 (insufficient
// resources), and 57P01–57P05 (shutdown, cannot connect now, idle timeouts).
const PG_CODES = /^(08...|53...|57P0[1-5])$/;
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);
const MESSAGES = [
  /driver has already been destroyed/, // Kysely, after destroy()
  /database connection is not open/, // better-sqlite3, after close()
  /Connection terminated/, // pg
  /timeout exceeded when trying to connect/, // pg-pool
  /Cannot use a pool after calling end/, // pg-pool
  /not queryable/, // pg client after a connection error
];

export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0 && seen.size < 16) {
    const e = queue.shift();
    if (e === null || typeof e !== "object" || seen.has(e)) continue;
    seen.add(e);
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && (SQLITE_CODES.test(code) || PG_CODES.test(code) || NETWORK_CODES.has(code))) return true;
    const message = (e as { message?: unknown }).message;
    if (typeof message === "string" && MESSAGES.some((m) => m.test(message))) return true;
    queue.push((e as { cause?: unknown }).cause);
    const errors = (e as { errors?: unknown }).errors;
    if (Array.isArray(errors)) queue.push(...errors);
  }
  return false;
}
