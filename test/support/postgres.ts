// Throwaway PostgreSQL schemas for tests and benchmarks: each gets its own
// schema in one database, reached through the connection's search_path.
import { randomUUID } from "node:crypto";
import pg from "pg";

export const TEST_POSTGRES_URL = process.env.PRAXIS_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export async function withPostgresClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface ThrowawaySchema {
  /** A connection URL whose search_path is the new schema. */
  url: string;
  drop(): Promise<void>;
}

/** Creates a fresh schema (named `<prefix>_<uuid>`) in the database at `baseUrl`. */
export async function createThrowawaySchema(prefix: string, baseUrl = TEST_POSTGRES_URL): Promise<ThrowawaySchema> {
  const schema = `${prefix}_${randomUUID().replaceAll("-", "")}`;
  await withPostgresClient(baseUrl, (client) => client.query(`create schema ${schema}`));
  const url = new URL(baseUrl);
  url.searchParams.set("options", `-c search_path=${schema}`);
  return {
    url: url.href,
    drop: async () => {
      await withPostgresClient(baseUrl, (client) => client.query(`drop schema if exists ${schema} cascade`));
    },
  };
}
