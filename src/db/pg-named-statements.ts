// Prepared statements for PostgreSQL.
//
// Kysely runs each statement through node-postgres as an unnamed statement:
// the server parses and plans its SQL every time it runs. Praxis's hot
// statements (a relayed post's reads and inserts, the queue's
// acknowledgements) run thousands of times per burst with the same text. Here a statement with
// parameters is given a name, the same for the same text across the
// process: node-postgres then prepares it once per connection and
// afterwards only binds and runs it.
//
// The names are bounded: at most MAX_NAMED distinct texts per process are
// named (texts that vary, such as IN lists of varying length, are many but
// each rare); any further text runs unnamed, as before. The server keeps a
// connection's prepared statements until the connection closes, so each
// connection holds at most that many.
//
// The queue's claim, whose best plan depends on the data it meets at the
// moment (how many messages are due, and for which hosts), is not among
// them: it runs inside praxis_claim (src/db/queue-claim.ts), whose EXECUTE
// plans it afresh each time. Prepared, the capped delivery claim of a
// 10,000-follower fan-out took three times as long (31 ms against 10 ms on
// average), and forcing custom plans did not mend it.
//
// A prepared `select *` fails once its table has gained a column (another
// process ran a migration): such a statement is run again unnamed, and its
// text is never named again in this process.
import type pg from "pg";

export const MAX_NAMED = 400;

/** Names by text; "" for a text that must run unnamed. */
const names = new Map<string, string>();
let named = 0;
const patched = Symbol("praxis.namedStatements");

function nameOf(text: string): string | undefined {
  let name = names.get(text);
  if (name === undefined && named < MAX_NAMED) {
    name = `praxis_${++named}`;
    names.set(text, name);
  }
  return name || undefined;
}

/** PostgreSQL's answer to a prepared statement whose result columns have changed since it was prepared. */
function isStalePlan(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return e?.code === "0A000" && /cached plan must not change result type/.test(e.message ?? "");
}

/** How many texts this process runs as named statements (for tests). */
export function namedStatementCount(): number {
  return named;
}

type Query = (...args: unknown[]) => unknown;

/** Makes `client` run statements with parameters, given as (text, values), as named prepared statements. */
export function useNamedStatements<T extends pg.PoolClient>(client: T): T {
  const c = client as T & { [patched]?: true };
  if (c[patched]) return client;
  const query = client.query.bind(client) as Query;
  (client as unknown as { query: Query }).query = (config: unknown, values?: unknown, callback?: unknown) => {
    if (typeof config === "string" && Array.isArray(values) && values.length > 0 && callback === undefined) {
      const name = nameOf(config);
      if (name !== undefined) {
        return (query({ name, text: config, values }) as Promise<unknown>).catch((error: unknown) => {
          if (!isStalePlan(error)) throw error;
          names.set(config, "");
          return query(config, values);
        });
      }
    }
    return query(config, values, callback);
  };
  c[patched] = true;
  return client;
}
