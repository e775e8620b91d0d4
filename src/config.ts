// Configuration: an optional JSON file (path from PRAXIS_CONFIG, else
// ./config.json if present) validated with zod, then environment overrides.
// Every key here is listed in config.example.json and documented in README.
import { existsSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";
import { z } from "zod";

const portSchema = z.number().int().min(0).max(65535);

/** The instance description when the operator wrote none. */
export const DEFAULT_DESCRIPTION = "A Praxis server for communities of practice.";

export const configSchema = z.strictObject({
  origin: z.url({ protocol: /^https?$/, error: "expected an http(s) URL such as https://cop.example" })
    .refine((v) => new URL(v).pathname === "/" && !new URL(v).search, "expected an origin without path, e.g. https://cop.example")
    .optional(),
  host: z.string().min(1).default("localhost"),
  port: portSchema.default(3000),
  dataDir: z.string().min(1).default("./data"),
  role: z.enum(["all", "web", "worker"]).default("all"),
  instanceName: z.string().min(1).max(100).default("Praxis"),
  instanceDescription: z.string().max(2000).default(DEFAULT_DESCRIPTION),
  // The description in other languages, shown on pages in that language.
  instanceDescriptions: z.partialRecord(z.enum(["en", "fr"]), z.string().max(2000)).default({}),
  defaultLanguage: z.enum(["en", "fr"]).default("en"),
  allowPrivateAddress: z.boolean().default(false),
  // Behind a reverse proxy: take the client's address from the last
  // X-Forwarded-For entry (rate limits, logs). URLs always use `origin`.
  trustProxy: z.boolean().default(false),
  database: z.strictObject({
    driver: z.enum(["sqlite", "postgres"]).default("sqlite"),
    url: z.string().min(1).optional(),
    poolSize: z.number().int().min(1).max(200).default(10),
    // SQLite: how long one attempt waits for a lock while blocking the
    // thread (keep it short; waits beyond it are asynchronous retries).
    busyTimeoutMs: z.number().int().min(0).max(1000).default(20),
    // How long a write keeps retrying a SQLite database locked by another
    // process, or a request waits for a PostgreSQL connection, before the
    // request is answered 503 (and a queued task retried later).
    retryMs: z.number().int().min(100).max(60_000).default(5000),
  }).prefault({}),
  limits: z.strictObject({
    maxBodyBytes: z.number().int().min(1024).default(1_048_576),
    // Inbox POSTs accepted per remote host per window; 0 turns the limit off.
    inboxRequestsPerWindow: z.number().int().min(0).default(300),
    inboxWindowSeconds: z.number().int().min(1).max(86_400).default(60),
    // From one client address, signed inbox POSTs whose key sits on a host
    // never verified before (each costs a key fetch); 0 turns the cap off.
    inboxNewHostsPerWindow: z.number().int().min(0).default(30),
    // Inbox bodies are refused (400) before any JSON-LD processing when they
    // nest deeper or hold more values than this.
    maxJsonDepth: z.number().int().min(4).max(1000).default(32),
    maxJsonMembers: z.number().int().min(100).max(10_000_000).default(10_000),
  }).prefault({}),
  // JSON-LD contexts named by remote documents that Fedify does not preload.
  jsonLdContexts: z.strictObject({
    timeoutMs: z.number().int().min(100).max(30_000).default(3000),
    maxBytes: z.number().int().min(1024).max(16_777_216).default(262_144),
    cacheSeconds: z.number().int().min(0).max(30 * 86_400).default(86_400),
    failureCacheSeconds: z.number().int().min(0).max(86_400).default(600),
  }).prefault({}),
  federation: z.strictObject({
    // "allowlist": only hosts on the allow-list (praxis domain allow) may
    // deliver to or be delivered to, for closed networks.
    mode: z.enum(["open", "allowlist"]).default("open"),
    // How long the stored copy of a remote actor (a post's author) is used
    // instead of fetching the actor again.
    actorCacheSeconds: z.number().int().min(0).max(86_400 * 30).default(3600),
  }).prefault({}),
  outbound: z.strictObject({
    // Deadline of a fetch (actor, key, object, WebFinger), connection included.
    fetchTimeoutSeconds: z.number().min(0.1).max(300).default(5),
    // Deadline of one delivery (a signed POST to an inbox).
    deliveryTimeoutSeconds: z.number().min(0.1).max(600).default(15),
    // Largest response body Praxis reads from another server.
    maxResponseBytes: z.number().int().min(1024).max(1024 * 1024 * 1024).default(1_048_576),
    // What all the fetches made before answering one inbox POST (keys,
    // actor documents, contexts; retries included) may take together.
    inboxFetchBudgetSeconds: z.number().min(0.1).max(300).default(8),
    // Praxis signs and sends deliveries that need nothing of Fedify's
    // judgement itself (see FEDERATION.md); off: Fedify's handler sends all.
    fastDelivery: z.boolean().default(true),
  }).prefault({}),
  queue: z.strictObject({
    // Deliveries a worker process has in flight at once (they mostly wait
    // on the network, so many are cheap).
    concurrency: z.number().int().min(1).max(1024).default(64),
    // Incoming activities a worker handles at once, in their own slots.
    // Default: 8 on SQLite, whose statements take microseconds; 32 on
    // PostgreSQL, where each handler mostly waits on round trips.
    inboxConcurrency: z.number().int().min(1).max(256).optional(),
    // Fan-outs (one activity → its per-inbox deliveries) at once, in their own slots.
    fanoutConcurrency: z.number().int().min(1).max(64).default(2),
    // Deliveries in flight to one host, across workers; at most half of
    // `concurrency`, so that one slow host never holds every slot.
    hostConcurrency: z.number().int().min(1).max(256).default(32),
    // Failed deliveries (unreachable, timeout or 5xx) within 10 minutes
    // after which a host's deliveries are held (its circuit opens).
    hostFailureThreshold: z.number().int().min(1).max(1000).default(5),
    // How long a host's circuit stays open before one delivery probes it.
    hostRecoverySeconds: z.number().int().min(1).max(86_400).default(30),
    leaseSeconds: z.number().min(1).max(3600).default(60),
    pollIntervalMs: z.number().int().min(10).max(60_000).default(500),
    maxAttempts: z.number().int().min(1).max(100).default(8),
    // PostgreSQL: a worker vacuums and analyses the queue's table after this
    // many messages handled (src/db/queue-vacuum.ts); 0 leaves it to autovacuum.
    vacuumEvery: z.number().int().min(0).max(10_000_000).default(1000),
    // Role "all": process the queue on a worker thread of its own (with its
    // own event loop and database connection) rather than on the thread that
    // serves HTTP. By default when the machine has more than one core: the
    // thread costs about 120 MB of memory, and on one core it gains nothing.
    workerThread: z.boolean().default(availableParallelism() > 1),
    // The nice value the worker runs at (its thread in role "all", its
    // process in role "worker"): while both are busy, requests are answered
    // first. 0 runs it at the web server's priority.
    workerNice: z.number().int().min(0).max(19).default(10),
    // Role "all" with workerThread: the worker thread's young generation, in
    // MB (V8's semi-spaces and new large-object space; src/worker/thread.ts).
    // 0 leaves it to V8, which grew its semi-spaces to 128 MB under a
    // fan-out's rate of allocation on a 24 GiB machine.
    workerYoungGenerationMb: z.number().int().min(0).max(1024).default(48),
  }).prefault({}),
  network: z.strictObject({
    /** Levels (communities) in the longest chain of linked communities. */
    maxDepth: z.number().int().min(2).max(32).default(6),
    /** Hosts or Group URIs ("*" for any) whose link requests every community approves without a moderator. */
    autoApprove: z.array(z.string().min(1)).default([]),
    /** Seconds a fetched remote Group stays fresh in the network view. */
    cacheSeconds: z.number().int().min(0).max(86_400 * 7).default(3600),
  }).prefault({}),
  glossary: z.strictObject({
    /** Seconds the definitions inherited from ancestors are kept before they are fetched again. */
    cacheSeconds: z.number().int().min(0).max(86_400 * 7).default(3600),
  }).prefault({}),
  console: z.strictObject({
    /** Hours a console sign-in lasts without use (it is renewed on use). */
    sessionHours: z.number().min(0.1).max(24 * 90).default(12),
    /** Failed sign-ins allowed per client address, and per username, in a window; 0 turns the limit off. */
    loginAttemptsPerWindow: z.number().int().min(0).max(10_000).default(10),
    loginWindowSeconds: z.number().int().min(1).max(86_400).default(900),
  }).prefault({}),
  meetings: z.strictObject({
    /** Days ahead a meeting series' occurrences are published (federated, listed); later ones follow as the horizon moves. */
    publishHorizonDays: z.number().int().min(1).max(3650).default(90),
    /** Minutes between the worker's checks of the horizon. */
    publishIntervalMinutes: z.number().min(0.01).max(1440).default(60),
  }).prefault({}),
  workingGroups: z.strictObject({
    /** Seconds between checks of working groups' end dates (ended ones are archived). */
    archiveCheckSeconds: z.number().min(0.05).max(86_400).default(60),
  }).prefault({}),
  logLevel: z.enum(["trace", "debug", "info", "warning", "error", "fatal"]).default("info"),
});

export type Config = z.output<typeof configSchema>;
/** `queue.inboxConcurrency` when it is not set, by database driver (see the schema). */
export const DEFAULT_INBOX_CONCURRENCY = { sqlite: 8, postgres: 32 } as const;

export interface ResolvedConfig extends Config {
  /** Public origin, always set (defaults to http://localhost:PORT). */
  origin: string;
  database: Config["database"] & { url: string };
  queue: Config["queue"] & { inboxConcurrency: number };
  /** Absolute data directory. */
  dataDir: string;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

type EnvParser = (value: string, name: string) => unknown;
const asString: EnvParser = (v) => v;
const asInt: EnvParser = (v, name) => {
  if (!/^-?\d+$/.test(v.trim())) throw new ConfigError(`${name}: expected an integer, got "${v}"`);
  return Number(v);
};
const asBool: EnvParser = (v, name) => {
  const s = v.trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(s)) return true;
  if (["0", "false", "no", "off", ""].includes(s)) return false;
  throw new ConfigError(`${name}: expected true or false, got "${v}"`);
};

/** Environment variable → config path. */
export const ENV_OVERRIDES: ReadonlyArray<[string, string[], EnvParser]> = [
  ["PRAXIS_ORIGIN", ["origin"], asString],
  ["PRAXIS_HOST", ["host"], asString],
  ["PRAXIS_PORT", ["port"], asInt],
  ["PRAXIS_DATA_DIR", ["dataDir"], asString],
  ["PRAXIS_ROLE", ["role"], asString],
  ["PRAXIS_INSTANCE_NAME", ["instanceName"], asString],
  ["PRAXIS_DEFAULT_LANGUAGE", ["defaultLanguage"], asString],
  ["PRAXIS_ALLOW_PRIVATE_ADDRESS", ["allowPrivateAddress"], asBool],
  ["PRAXIS_TRUST_PROXY", ["trustProxy"], asBool],
  ["PRAXIS_DATABASE_DRIVER", ["database", "driver"], asString],
  ["PRAXIS_DATABASE_URL", ["database", "url"], asString],
  ["PRAXIS_DATABASE_RETRY_MS", ["database", "retryMs"], asInt],
  ["PRAXIS_DATABASE_POOL_SIZE", ["database", "poolSize"], asInt],
  ["PRAXIS_MAX_BODY_BYTES", ["limits", "maxBodyBytes"], asInt],
  ["PRAXIS_INBOX_RATE_LIMIT", ["limits", "inboxRequestsPerWindow"], asInt],
  ["PRAXIS_INBOX_RATE_WINDOW_SECONDS", ["limits", "inboxWindowSeconds"], asInt],
  ["PRAXIS_INBOX_NEW_HOSTS_PER_WINDOW", ["limits", "inboxNewHostsPerWindow"], asInt],
  ["PRAXIS_MAX_JSON_DEPTH", ["limits", "maxJsonDepth"], asInt],
  ["PRAXIS_MAX_JSON_MEMBERS", ["limits", "maxJsonMembers"], asInt],
  ["PRAXIS_CONTEXT_TIMEOUT_MS", ["jsonLdContexts", "timeoutMs"], asInt],
  ["PRAXIS_FEDERATION_MODE", ["federation", "mode"], asString],
  ["PRAXIS_ACTOR_CACHE_SECONDS", ["federation", "actorCacheSeconds"], asInt],
  ["PRAXIS_QUEUE_CONCURRENCY", ["queue", "concurrency"], asInt],
  ["PRAXIS_QUEUE_INBOX_CONCURRENCY", ["queue", "inboxConcurrency"], asInt],
  ["PRAXIS_QUEUE_FANOUT_CONCURRENCY", ["queue", "fanoutConcurrency"], asInt],
  ["PRAXIS_QUEUE_LEASE_SECONDS", ["queue", "leaseSeconds"], asInt],
  ["PRAXIS_QUEUE_HOST_CONCURRENCY", ["queue", "hostConcurrency"], asInt],
  ["PRAXIS_QUEUE_VACUUM_EVERY", ["queue", "vacuumEvery"], asInt],
  ["PRAXIS_QUEUE_WORKER_THREAD", ["queue", "workerThread"], asBool],
  ["PRAXIS_QUEUE_WORKER_NICE", ["queue", "workerNice"], asInt],
  ["PRAXIS_QUEUE_WORKER_YOUNG_GENERATION_MB", ["queue", "workerYoungGenerationMb"], asInt],
  ["PRAXIS_FETCH_TIMEOUT_SECONDS", ["outbound", "fetchTimeoutSeconds"], asInt],
  ["PRAXIS_DELIVERY_TIMEOUT_SECONDS", ["outbound", "deliveryTimeoutSeconds"], asInt],
  ["PRAXIS_MAX_RESPONSE_BYTES", ["outbound", "maxResponseBytes"], asInt],
  ["PRAXIS_INBOX_FETCH_BUDGET_SECONDS", ["outbound", "inboxFetchBudgetSeconds"], asInt],
  ["PRAXIS_FAST_DELIVERY", ["outbound", "fastDelivery"], asBool],
  ["PRAXIS_NETWORK_MAX_DEPTH", ["network", "maxDepth"], asInt],
  ["PRAXIS_GLOSSARY_CACHE_SECONDS", ["glossary", "cacheSeconds"], asInt],
  ["PRAXIS_CONSOLE_SESSION_HOURS", ["console", "sessionHours"], asInt],
  ["PRAXIS_LOGIN_ATTEMPTS", ["console", "loginAttemptsPerWindow"], asInt],
  ["PRAXIS_INSTANCE_DESCRIPTION", ["instanceDescription"], asString],
  ["PRAXIS_MEETINGS_HORIZON_DAYS", ["meetings", "publishHorizonDays"], asInt],
  ["PRAXIS_ARCHIVE_CHECK_SECONDS", ["workingGroups", "archiveCheckSeconds"], asInt],
  ["PRAXIS_LOG_LEVEL", ["logLevel"], asString],
];

function setPath(target: Record<string, unknown>, keys: string[], value: unknown): void {
  let node = target;
  for (const k of keys.slice(0, -1)) {
    if (typeof node[k] !== "object" || node[k] === null) node[k] = {};
    node = node[k] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]] = value;
}

function formatIssues(error: z.ZodError, source: string): string {
  const lines = error.issues.map((issue) => {
    const key = issue.path.length ? issue.path.join(".") : "(root)";
    let msg = issue.message;
    if (issue.code === "unrecognized_keys") {
      msg = `unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(", ")}; see config.example.json`;
    }
    return `  - ${key}: ${msg}`;
  });
  return `Invalid configuration (${source}):\n${lines.join("\n")}`;
}

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Values applied after the file and before environment overrides (tests). */
  overrides?: Record<string, unknown>;
}

/** Reads, merges and validates the configuration; throws ConfigError. */
export function loadConfig(options: LoadConfigOptions = {}): ResolvedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  let raw: Record<string, unknown> = {};
  let source = "defaults";
  const explicit = env.PRAXIS_CONFIG;
  const file = explicit ? path.resolve(cwd, explicit) : path.resolve(cwd, "config.json");
  if (explicit && !existsSync(file)) {
    throw new ConfigError(`PRAXIS_CONFIG points to ${file}, which does not exist`);
  }
  if (existsSync(file)) {
    source = file;
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, "utf8"));
    } catch (e) {
      throw new ConfigError(`${file} is not valid JSON: ${(e as Error).message}`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new ConfigError(`${file}: expected a JSON object at the top level`);
    }
    raw = parsed as Record<string, unknown>;
    delete raw.$comment;
  }
  raw = structuredClone({ ...raw, ...(options.overrides ?? {}) });
  for (const [name, keys, parse] of ENV_OVERRIDES) {
    const value = env[name];
    if (value !== undefined && value !== "") {
      setPath(raw, keys, parse(value, name));
      source = source === "defaults" ? "environment" : `${source} + environment`;
    }
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(formatIssues(result.error, source));
  const config = result.data;
  const dataDir = path.resolve(cwd, config.dataDir);
  const displayHost = ["0.0.0.0", "::", "localhost"].includes(config.host) ? "localhost" : config.host;
  const origin = new URL(config.origin ?? `http://${displayHost.includes(":") ? `[${displayHost}]` : displayHost}:${config.port}`).origin;
  const dbUrl = config.database.url ?? (config.database.driver === "sqlite"
    ? path.join(dataDir, "praxis.sqlite")
    : undefined);
  if (!dbUrl) throw new ConfigError("database.url: required when database.driver is \"postgres\" (e.g. postgres://user@127.0.0.1:5432/praxis)");
  return {
    ...config,
    origin,
    dataDir,
    database: {
      ...config.database,
      url: config.database.driver === "sqlite" && dbUrl !== ":memory:" ? path.resolve(cwd, dbUrl) : dbUrl,
    },
    queue: { ...config.queue, inboxConcurrency: config.queue.inboxConcurrency ?? DEFAULT_INBOX_CONCURRENCY[config.database.driver] },
  };
}
