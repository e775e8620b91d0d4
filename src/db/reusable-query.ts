// A query that Kysely builds and compiles once, then runs many times with
// other values. Building and compiling a query with subqueries costs Kysely
// about half a millisecond of CPU (the queue's claim, say), more than SQLite
// takes to run it; on a hot path that is paid once instead of per call.
//
// The query is built with a sentinel in place of each value that varies;
// the compiled statement's parameters are then searched for the sentinels,
// whose positions are filled in with the call's values. Only values that
// Kysely passes as parameters can vary (it does so for every value, never
// inlining one); a value the builder read whose sentinel does not come out
// as a parameter (computed from, say) is a programming error, caught when
// the query is first built. A variant may leave some values unread.
import { type Compilable, type CompiledQuery, type Kysely } from "kysely";

export type ParamKinds = Readonly<Record<string, "string" | "number">>;
export type ParamValues<K extends ParamKinds> = { [N in keyof K]: K[N] extends "string" ? string : number };

/** A sentinel per parameter: strings no caller sends, integers far outside any timestamp or count. */
function sentinels<K extends ParamKinds>(kinds: K): ParamValues<K> {
  let i = 0;
  return Object.fromEntries(Object.entries(kinds).map(([name, kind]) => {
    i++;
    return [name, kind === "string" ? `\u0000reusable-query:${name}\u0000` : -7_300_000_000_000_000 - i];
  })) as ParamValues<K>;
}

let executions = 0;

export class ReusableQuery<K extends ParamKinds, Row> {
  readonly #template: CompiledQuery<Row>;
  /** [parameter index, parameter name] of each varying value. */
  readonly #slots: [number, keyof K][];

  constructor(kinds: K, build: (values: ParamValues<K>) => Compilable<Row>) {
    const marks = sentinels(kinds);
    const read = new Set<string>();
    this.#template = build(new Proxy(marks, {
      get(target, name, receiver) {
        if (typeof name === "string") read.add(name);
        return Reflect.get(target, name, receiver);
      },
    })).compile();
    const byMark = new Map<unknown, keyof K>(Object.entries(marks).map(([name, mark]) => [mark, name as keyof K]));
    this.#slots = [];
    this.#template.parameters.forEach((value, index) => {
      const name = byMark.get(value);
      if (name !== undefined) this.#slots.push([index, name]);
    });
    const missing = [...read].filter((name) => !this.#slots.some(([, n]) => n === name));
    if (missing.length > 0) throw new Error(`ReusableQuery: ${missing.join(", ")} not compiled as parameters`);
  }

  /** The statement's SQL text. */
  get sql(): string {
    return this.#template.sql;
  }

  /**
   * The statement's SQL with its varying values numbered $1… in `order` and
   * its fixed values written inline, to run inside a PostgreSQL function
   * with `EXECUTE … USING` (the queue's claim). A fixed value must be a
   * number or a plain word (a message kind, say).
   */
  numberedSql(order: readonly (keyof K)[]): string {
    const slots = new Map(this.#slots);
    return this.#template.sql.replace(/\$(\d+)/g, (_, n: string) => {
      const index = Number(n) - 1;
      const name = slots.get(index);
      if (name !== undefined) {
        const at = order.indexOf(name);
        if (at < 0) throw new Error(`ReusableQuery: ${String(name)} has no place in the numbering`);
        return `$${at + 1}`;
      }
      const value = this.#template.parameters[index];
      if (typeof value === "number" && Number.isFinite(value)) return String(value);
      if (typeof value === "string" && /^[\w:.-]*$/.test(value)) return `'${value}'`;
      throw new Error(`ReusableQuery: parameter ${n} cannot be written inline`);
    });
  }

  /** The compiled statement with `values` in place. */
  compiled(values: ParamValues<K>): CompiledQuery<Row> {
    const parameters = this.#template.parameters.slice();
    for (const [index, name] of this.#slots) parameters[index] = values[name];
    // A fresh query id per execution, as Kysely gives each compiled query (plugins key their state on it).
    return { ...this.#template, parameters, queryId: { queryId: `reusable-${++executions}` } };
  }

  /** Runs the statement with `values` on `db` (a transaction or the database; same dialect as it was built with). */
  async execute(db: Kysely<any>, values: ParamValues<K>): Promise<Row[]> {
    return (await db.executeQuery(this.compiled(values))).rows;
  }
}
