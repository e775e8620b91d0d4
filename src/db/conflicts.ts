// A write that lost a race: a unique index refused it, or the row it meant
// to change had changed meanwhile. The caller reads again and decides again.

/** Thrown by repositories when a concurrent writer got there first. */
export class WriteConflict extends Error {}

/** Whether a driver error is a unique-constraint violation (SQLite or PostgreSQL). */
export function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === "23505" || code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}

/** Runs `attempt` again (up to `tries` times in all) while it loses a race. */
export async function retryOnConflict<T>(attempt: () => Promise<T>, tries = 10): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (e) {
      if (i >= tries || !(e instanceof WriteConflict || isUniqueViolation(e))) throw e;
    }
  }
}
