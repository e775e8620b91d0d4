// The composition root: opens the database, applies migrations and wires
// repositories, Fedify and the web app together. The server, the CLI and
// the tests all start Praxis through createPraxis().
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Federation, KvStore } from "@fedify/fedify";
import { serve, type ServerType } from "@hono/node-server";
import type { Hono } from "hono";
import type { ResolvedConfig } from "./config.ts";
import { openDatabase, type PraxisDatabase } from "./db/database.ts";
import { KyselyKvStore } from "./db/kv-store.ts";
import { DeliveryHosts } from "./db/delivery-hosts.ts";
import { KyselyMessageQueue } from "./db/message-queue.ts";
import { postgresNotifyWake, sqliteWake } from "./db/queue-wake.ts";
import { migrateToLatest } from "./db/migrator.ts";
import { createRepositories } from "./db/repositories/index.ts";
import { startArchiveTimer } from "./operations/working-groups.ts";
import { DeliveryGate } from "./federation/delivery-gate.ts";
import { fetchAhead } from "./federation/inbox/announced-objects.ts";
import { DomainPolicy } from "./federation/domain-policy.ts";
import { FastDelivery } from "./federation/fast-delivery.ts";
import { FollowerFanout } from "./federation/fanout.ts";
import { circuitBreakerOptions, createPraxisFederation, FIRST_KNOCK } from "./federation/index.ts";
import { startMeetingPublisher } from "./operations/meetings.ts";
import { installOutboundDispatcher, type OutboundPolicy, outboundPolicyFromConfig, withOutboundPolicy } from "./net/outbound.ts";
import type { AppServices } from "./services.ts";
import { createWebApp } from "./web/app.ts";
import { closeGracefully, InFlightRequests } from "./web/in-flight.ts";
import type { WebEnv } from "./web/public-origin.ts";

/**
 * How long shutting down waits for the requests being answered, and for the
 * queue's handlers (side by side): with what follows, within the 10 s a
 * process manager commonly allows (Docker's default) before it kills.
 */
const DRAIN_MS = 8_000;

export interface Praxis {
  config: ResolvedConfig;
  services: AppServices;
  federation: Federation<AppServices>;
  web: Hono<WebEnv>;
  kv: KvStore;
  queue: KyselyMessageQueue;
  /** Last delivery outcome per remote host. */
  deliveryHosts: DeliveryHosts;
  /**
   * The rules every HTTP request made for this instance follows (addresses,
   * deadlines, sizes). The web app, the worker and the CLI run inside it;
   * other code that fetches on the instance's behalf runs its work through
   * `praxis.run(fn)` (or `withOutboundPolicy(praxis.outbound, fn)`).
   */
  outbound: OutboundPolicy;
  run<T>(fn: () => T): T;
  /** Starts delivering queued activities and processing the inbox. */
  startWorker(): void;
  /** Starts the HTTP server; resolves once it is listening. */
  listen(): Promise<{ url: string; port: number }>;
  /**
   * Stops the worker (in-flight messages are released, not lost) and the
   * server: requests being answered finish first, for up to
   * `requestDrainMs` (default 8 s), then their connections are cut.
   */
  close(options?: { requestDrainMs?: number }): Promise<void>;
}

export interface CreatePraxisOptions {
  /**
   * Checkpoint SQLite's write-ahead log on a thread of its own (default): for
   * a server. A one-shot command (the CLI) leaves it to the writer, and
   * starts no thread that its exit would have to end while it loads.
   */
  backgroundCheckpoints?: boolean;
}

export async function createPraxis(config: ResolvedConfig, options: CreatePraxisOptions = {}): Promise<Praxis> {
  const database: PraxisDatabase = openDatabase({ ...config.database, checkpointInBackground: options.backgroundCheckpoints ?? true });
  try {
    await migrateToLatest(database.db);
  } catch (e) {
    await database.close();
    throw e;
  }
  const repos = createRepositories(database.db, database.dialect);
  const outbound = outboundPolicyFromConfig(config);
  installOutboundDispatcher();
  const services: AppServices = {
    config,
    db: database.db,
    dialect: database.dialect,
    repos,
    domainPolicy: new DomainPolicy(repos.domains, config.federation.mode, { channel: config.database.url }),
  };
  const kv = new KyselyKvStore(database.db, { dialect: database.dialect });
  // SQLite: what one thread or process queues wakes the others' listeners at once (src/db/queue-wake.ts).
  const sqliteWakes = database.dialect === "postgres" ? null : sqliteWake(config.database.url, database.changedElsewhere);
  const queue = new KyselyMessageQueue(database.db, {
    dialect: database.dialect,
    // Each kind of message has its own slots: deliveries, incoming
    // activities and fan-outs never wait behind each other's backlog.
    concurrency: config.queue.concurrency,
    laneConcurrency: { inbox: config.queue.inboxConcurrency, fanout: config.queue.fanoutConcurrency },
    // What another process (the CLI, a web process) enqueues is taken at once, not at the next poll.
    wake: sqliteWakes ? sqliteWakes.source : postgresNotifyWake(config.database.url),
    announce: sqliteWakes?.announce,
    leaseMs: config.queue.leaseSeconds * 1000,
    pollIntervalMs: config.queue.pollIntervalMs,
    maxAttempts: config.queue.maxAttempts,
    drainTimeoutMs: DRAIN_MS,
    vacuumEvery: config.queue.vacuumEvery,
    // At most half the slots for one host, so that one that never answers
    // cannot hold them all.
    hostConcurrency: Math.max(1, Math.min(config.queue.hostConcurrency, Math.floor(config.queue.concurrency / 2))),
  });
  const deliveryHosts = new DeliveryHosts(database.db);
  // Fedify gets the queue behind the delivery gate, which drops deliveries
  // to hosts the domain policy refuses, runs handlers in the outbound policy
  // and records delivery outcomes per host.
  const fastPath = config.outbound.fastDelivery
    ? new FastDelivery({ kv, circuitBreaker: circuitBreakerOptions(config), firstKnock: FIRST_KNOCK })
    : undefined;
  const gate = new DeliveryGate(queue, services.domainPolicy, { outbound, hosts: deliveryHosts, fastPath });
  services.fanout = new FollowerFanout({
    repos, domainPolicy: services.domainPolicy, deliveries: gate, checkpoint: (job) => queue.checkpoint(job),
  });
  gate.handleFanoutWith(services.fanout);
  const federation = createPraxisFederation(services, { kv, queue: gate });
  gate.beforeInboxWith((message) => fetchAhead(federation, services, message));
  const web = createWebApp(federation, services, { queue: { queue, kv, deliveryHosts }, inboxQueue: gate });
  const run = <T>(fn: () => T): T => withOutboundPolicy(outbound, fn);
  // Inbox requests (key fetches), pages and the admin API fetch within the policy.
  const inFlight = new InFlightRequests();
  const fetchInPolicy = inFlight.track((request: Request, env?: unknown) => run(() => web.fetch(request, env)));

  const workerAbort = new AbortController();
  let worker: Promise<void> | null = null;
  let server: ServerType | null = null;
  let stopArchiveTimer: (() => Promise<void>) | null = null;

  return {
    config, services, federation, web, kv, queue, deliveryHosts, outbound, run,
    startWorker() {
      if (!worker) startMeetingPublisher({ services, federation }, workerAbort.signal, run);
      worker ??= run(() => federation.startQueue(services, { signal: workerAbort.signal }));
      // Working groups whose end date passed are archived by the worker process.
      stopArchiveTimer ??= startArchiveTimer({ services, federation }, config.workingGroups.archiveCheckSeconds * 1000, run);
    },
    listen() {
      return new Promise((resolve, reject) => {
        const s = serve({ fetch: fetchInPolicy, hostname: config.host, port: config.port }, (info: AddressInfo) => {
          const host = info.family === "IPv6" ? `[${info.address}]` : info.address;
          resolve({ url: `http://${host}:${info.port}`, port: info.port });
        });
        s.once("error", reject);
        server = s;
      });
    },
    async close({ requestDrainMs = DRAIN_MS } = {}) {
      workerAbort.abort();
      const s = server;
      server = null;
      // The worker's drain and the server's run side by side: a process
      // manager's stop timeout (Docker's is 10 s) counts them together.
      // (PostgreSQL: a vacuum of the queue's table under way is waited for
      // too, up to DRAIN_MS more.)
      await Promise.all([
        (async () => {
          await stopArchiveTimer?.();
          await worker?.catch(() => {});
        })(),
        s && closeGracefully(s as Server, inFlight, requestDrainMs),
      ]);
      services.domainPolicy.close();
      sqliteWakes?.close();
      // What still runs now finds the key-value store empty rather than a closed database.
      kv.close();
      await database.close();
    },
  };
}
