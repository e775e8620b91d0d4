// Faults of the database that are nobody's mistake and pass: SQLite locked
// by another process for longer than Praxis waits, PostgreSQL unreachable or
// restarting. Requests that meet one are answered 503 with Retry-After (the
// sender tries again; nothing it sent was accepted), and queued work is
// retried without counting an attempt.

/** How long a client is asked to wait before retrying, in seconds. */
export const RETRY_AFTER_SECONDS = 10;

/** The database could not be reached or used for now; retrying later may succeed. */
export class DatabaseUnavailableError extends Error {
  override name = "DatabaseUnavailableError";
}

/** A statement that could not run in time because another connection held the database. */
export class DatabaseBusyError extends DatabaseUnavailableError {
  override name = "DatabaseBusyError";
}

/** SQLite's "database is locked" family: SQLITE_BUSY and its extended codes. */
export function isSqliteBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && (code === "SQLITE_BUSY" || code.startsWith("SQLITE_BUSY_"));
}

/** PostgreSQL SQLSTATEs for a server that is down, restarting or full of connections. */
function isPostgresUnavailable(code: string): boolean {
  return code.startsWith("08") // connection exception
    || code === "57P01" || code === "57P02" || code === "57P03" // admin/crash shutdown, cannot connect now
    || code === "53300"; // too many connections
}

/** node-postgres reports a connection lost mid-query without a code. */
const POSTGRES_MESSAGES = /timeout exceeded when trying to connect|Connection terminated|connection error and is not queryable/i;

/**
 * Whether `error` (or one of its causes) means the database is temporarily
 * unavailable rather than that the request or the code is wrong.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  let e: unknown = error;
  for (let depth = 0; e && depth < 8; depth++) {
    if (e instanceof DatabaseUnavailableError || isSqliteBusy(e)) return true;
    const code = (e as { code?: unknown }).code;
    // A SQLSTATE (five characters) from the PostgreSQL server.
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) && isPostgresUnavailable(code)) return true;
    if (e instanceof Error && POSTGRES_MESSAGES.test(e.message)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
