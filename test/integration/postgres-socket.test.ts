// PostgreSQL reached through its Unix socket, as the README's deployment
// section suggests for a server on the same machine: the URL names the
// socket's directory as its host. The repositories and the queue connect
// that way: a follow is answered (its Accept comes from the queue's worker),
// and the connection has no client address, which a TCP one would have.
import { existsSync } from "node:fs";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresUnavailable } from "../db/databases.ts";
import { waitFor } from "../support/net.ts";
import { community } from "../support/network.ts";
import { type Peer, startPeer } from "../support/peer.ts";
import { createThrowawaySchema, TEST_POSTGRES_URL, type ThrowawaySchema } from "../support/postgres.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";

/** Debian's directory for PostgreSQL's socket; PRAXIS_TEST_POSTGRES_SOCKET_DIR names another. */
const SOCKET_DIR = process.env.PRAXIS_TEST_POSTGRES_SOCKET_DIR ?? "/var/run/postgresql";
const port = new URL(TEST_POSTGRES_URL).port || "5432";
const socketMissing = !existsSync(`${SOCKET_DIR}/.s.PGSQL.${port}`);

describe.skipIf(postgresUnavailable !== undefined || socketMissing)("PostgreSQL through its Unix socket", () => {
  let schema: ThrowawaySchema;
  let praxis: TestPraxis;
  let peer: Peer;

  beforeAll(async () => {
    schema = await createThrowawaySchema("socket");
    // The throwaway schema's URL (its search_path), with the socket's directory as the host.
    const url = new URL(schema.url);
    const socketUrl = `postgres://${url.username}@${encodeURIComponent(SOCKET_DIR)}:${port}${url.pathname}${url.search}`;
    praxis = await startPraxis({ database: { driver: "postgres", url: socketUrl, poolSize: 3 } });
    peer = await startPeer({ users: ["alice"] });
  });

  afterAll(async () => {
    await peer?.stop();
    await praxis?.stop();
    await schema?.drop();
  });

  it("stores, queues and answers a follow", async () => {
    expect(praxis.services.dialect).toBe("postgres");
    // No client address: the connection is the socket's, not TCP's.
    const { rows } = await sql<{ addr: string | null }>`select inet_client_addr()::text as addr`.execute(praxis.services.db);
    expect(rows).toEqual([{ addr: null }]);
    const garden = await community(praxis, "garden");
    await peer.follow("alice", garden.uri);
    await waitFor(() => peer.receivedOf("Accept", (r) => r.actor === garden.uri)[0], "the Accept", 20_000);
    const row = await praxis.services.repos.communities.findBySlug("garden");
    expect(row?.name).toBeTruthy();
  });
});
