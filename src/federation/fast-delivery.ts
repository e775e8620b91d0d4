// The delivery fast path: one queued delivery (a Fedify outbox message) sent
// by Praxis itself, when nothing about it needs Fedify's judgement.
//
// Fedify's outbox handler imports both private keys from JWK, builds and
// clones WebStreams Requests, reads and writes its circuit breaker and its
// signature-spec cache, and traces every delivery: several times the cost
// of the signature and the POST themselves, which is what a fan-out to
// thousands of inboxes mostly consists of. For a delivery whose host's
// circuit is closed and whose inbox takes draft-cavage signatures (Praxis's
// first knock, remembered per origin as Fedify remembers it), Praxis:
//
// - signs the body exactly as Fedify does (draft-cavage: `(request-target)`,
//   content-type, date, digest, host; RSA-SHA256 with the community's first
//   RSA key, imported once and kept), and POSTs it through the same global
//   dispatcher, so the connect-time address check, the delivery deadline and
//   the response size cap all apply (src/net/outbound.ts);
// - on a 2xx answer, records what Fedify would (the host's circuit back to
//   closed if it had failures, the spec for the origin) and is done.
//
// Anything else goes to Fedify's own handler: a message held by the circuit
// breaker or carrying extra headers, an open or half-open circuit, an origin
// that needed RFC 9421 before, and every failed attempt. A failed attempt is
// not sent twice: Fedify's handler runs with the outcome Praxis already got
// replayed to it (src/net/replay.ts), and decides as it always does — retry,
// Retry-After, circuit breaker, permanent refusal, second knock, redirect.
import { createHash } from "node:crypto";
import { STATUS_CODES } from "node:http";
import {
  CircuitBreaker, type CircuitBreakerKvState, type CircuitBreakerOptions, type KvKey, type KvStore, parseCircuitBreakerKvState,
} from "@fedify/fedify";
import { request } from "undici";
import type { RecordedOutcome } from "../net/replay.ts";
import { BatchLoader } from "../db/batch-loader.ts";

/** Fedify's default KV prefixes (FederationKvPrefixes) for the two entries read here. */
export const SPEC_PREFIX: KvKey = ["_fedify", "httpMessageSignaturesSpec"];
export const CIRCUIT_PREFIX: KvKey = ["_fedify", "circuit"];

const CAVAGE = "draft-cavage-http-signatures-12";
/** Bytes of a failed answer kept for Fedify (it reads at most 1 KiB). */
const FAILURE_BODY_BYTES = 4096;
const KEY_CACHE_SIZE = 256;
/** How long the circuit states read from the store are reused (another worker's changes show within this). */
const CIRCUIT_SNAPSHOT_MS = 1_000;
/** How long an origin's remembered signature spec is reused. */
const SPEC_CACHE_MS = 60_000;
const SPEC_CACHE_SIZE = 10_000;

/** The parts of Fedify's OutboxMessage this reads. */
interface OutboxMessage {
  type: "outbox";
  inbox: string;
  activity: unknown;
  keys: { keyId: string; privateKey: JsonWebKey }[];
  headers?: Record<string, string>;
  circuitHeld?: boolean;
}

export type FastOutcome =
  | { delivered: true }
  /**
   * Not delivered. Without `replay`, not attempted: Fedify's handler sends it.
   * With `replay`, attempted and failed: Fedify's handler decides, with this outcome replayed.
   */
  | { delivered: false; reason: string; replay?: { method: "POST"; url: string; unlessHeader: string; outcome: RecordedOutcome } };

export interface FastDeliveryOptions {
  kv: KvStore;
  /** The federation's circuit breaker options; false when it has none. */
  circuitBreaker: CircuitBreakerOptions | false;
  /** The federation's first knock: only draft-cavage is sent here. */
  firstKnock: string;
}

export class FastDelivery {
  readonly #kv: KvStore;
  readonly #breaker: CircuitBreaker | null;
  readonly #firstKnock: string;
  /** Imported signing keys by key id, with the JWK `d` they came from (a rotated key is imported again). */
  readonly #keys = new Map<string, { d: string; key: Promise<CryptoKey> }>();
  /** Imports, for tests and the benchmark. */
  imports = 0;
  /** Every host's circuit state as stored (hosts without one are closed), and when it was read. */
  #circuits: { at: number; states: Map<string, unknown> } | null = null;
  #circuitsLoading: Promise<Map<string, unknown>> | null = null;
  /** Remembered specs per origin (undefined: none remembered), and when they were read. */
  readonly #specs = new Map<string, { at: number; spec: string | undefined }>();
  /** Origins whose spec is to be read in the next batch. */
  readonly #specsAsked = new BatchLoader<string, string>((origins) => this.#readSpecs(origins));

  constructor(options: FastDeliveryOptions) {
    this.#kv = options.kv;
    this.#breaker = options.circuitBreaker === false
      ? null
      : new CircuitBreaker({ kv: options.kv, prefix: CIRCUIT_PREFIX, options: options.circuitBreaker });
    this.#firstKnock = options.firstKnock;
  }

  /** Sends `message` if it qualifies; see the module comment. Never throws. */
  async deliver(raw: unknown): Promise<FastOutcome> {
    const message = raw as OutboxMessage;
    if (message?.type !== "outbox" || typeof message.inbox !== "string" || typeof message.activity !== "object") {
      return { delivered: false, reason: "not a delivery" };
    }
    if (message.circuitHeld) return { delivered: false, reason: "held by the circuit breaker" };
    if (message.headers && Object.keys(message.headers).length > 0) return { delivered: false, reason: "extra headers" };
    const rsa = message.keys?.find((k) => k.privateKey?.kty === "RSA" && k.privateKey.alg === "RS256" && typeof k.privateKey.d === "string");
    if (!rsa) return { delivered: false, reason: "no RSA key" };
    let inbox: URL;
    try {
      inbox = new URL(message.inbox);
    } catch {
      return { delivered: false, reason: "invalid inbox" };
    }
    let circuitKnown: boolean;
    let specKnown: boolean;
    try {
      const [circuit, spec] = await Promise.all([this.#circuit(inbox.host), this.#spec(inbox.origin)]);
      if (circuit === null) return { delivered: false, reason: "circuit state unreadable" };
      if (circuit !== undefined && circuit.state !== "closed") return { delivered: false, reason: `circuit ${circuit.state}` };
      if ((spec ?? this.#firstKnock) !== CAVAGE) return { delivered: false, reason: "the origin takes RFC 9421" };
      circuitKnown = circuit !== undefined;
      specKnown = spec !== undefined;
    } catch {
      return { delivered: false, reason: "state unavailable" };
    }

    const url = inbox.href;
    let outcome: RecordedOutcome;
    try {
      const signed = await this.#sign(inbox, JSON.stringify(message.activity), rsa);
      outcome = await post(url, signed.headers, signed.body);
    } catch (error) {
      outcome = { error: error instanceof Error ? error : new Error(String(error)) };
    }
    if ("error" in outcome || outcome.status < 200 || outcome.status >= 300) {
      // Fedify's handler updates the host's circuit, and may learn the
      // origin's spec (a second knock): read both afresh next time.
      this.#circuits = null;
      this.#specs.delete(inbox.origin);
      const reason = "error" in outcome ? outcome.error.message : `HTTP ${outcome.status}`;
      // Replayed only to Fedify's own draft-cavage knock: should Fedify have
      // learnt meanwhile that the origin takes RFC 9421, it sends that.
      return { delivered: false, reason, replay: { method: "POST", url, unlessHeader: "signature-input", outcome } };
    }
    // What Fedify records after a success; failures here do not undo the delivery.
    try {
      if (circuitKnown) {
        await this.#breaker?.recordSuccess(inbox.host);
        this.#circuits = null;
      }
      // Fedify remembers the spec that worked; an absent entry already means
      // the first knock, so only a change would need writing.
      if (!specKnown && this.#firstKnock !== CAVAGE) await this.#kv.set([...SPEC_PREFIX, inbox.origin], CAVAGE);
    } catch {
      // Fedify logs and carries on likewise.
    }
    return { delivered: true };
  }

  /**
   * The host's circuit state: undefined when none is stored (closed), null
   * when the stored value is not one Fedify would recognise. Read from a
   * snapshot of every stored state (only hosts that failed lately have one),
   * taken at most every CIRCUIT_SNAPSHOT_MS and dropped after any failure.
   */
  async #circuit(host: string): Promise<CircuitBreakerKvState | null | undefined> {
    if (!this.#breaker) return undefined;
    let states = this.#circuits && Date.now() - this.#circuits.at < CIRCUIT_SNAPSHOT_MS ? this.#circuits.states : null;
    if (!states) {
      this.#circuitsLoading ??= (async () => {
        try {
          const at = Date.now();
          const loaded = new Map<string, unknown>();
          for await (const { key, value } of this.#kv.list(CIRCUIT_PREFIX)) {
            if (key.length === CIRCUIT_PREFIX.length + 1) loaded.set(key[key.length - 1], value);
          }
          this.#circuits = { at, states: loaded };
          return loaded;
        } finally {
          this.#circuitsLoading = null;
        }
      })();
      states = await this.#circuitsLoading;
    }
    if (!states.has(host)) return undefined;
    return parseCircuitBreakerKvState(states.get(host)) ?? null;
  }

  /**
   * The spec remembered for `origin`, if any (cached for SPEC_CACHE_MS).
   * The origins asked within one turn of the event loop — a fan-out starts
   * deliveries to many new origins at once — are read in one statement
   * when the store can (KyselyKvStore.getMany).
   */
  #spec(origin: string): Promise<string | undefined> {
    const cached = this.#specs.get(origin);
    if (cached && Date.now() - cached.at < SPEC_CACHE_MS) return Promise.resolve(cached.spec);
    return this.#specsAsked.load(origin);
  }

  /** Reads the specs of `origins` (in one statement when the store can) and caches them. */
  async #readSpecs(origins: string[]): Promise<Map<string, string>> {
    const at = Date.now();
    const keys = origins.map((origin) => [...SPEC_PREFIX, origin] as KvKey);
    const store = this.#kv as KvStore & { getMany?<T>(keys: readonly KvKey[]): Promise<(T | undefined)[]> };
    const specs = store.getMany ? await store.getMany<string>(keys) : await Promise.all(keys.map((key) => this.#kv.get<string>(key)));
    if (this.#specs.size + origins.length > SPEC_CACHE_SIZE) this.#specs.clear();
    const found = new Map<string, string>();
    origins.forEach((origin, i) => {
      this.#specs.set(origin, { at, spec: specs[i] });
      if (specs[i] !== undefined) found.set(origin, specs[i]);
    });
    return found;
  }

  /** The imported signing key for `jwk`, imported at most once per key. */
  #key(keyId: string, jwk: JsonWebKey): Promise<CryptoKey> {
    const cached = this.#keys.get(keyId);
    if (cached && cached.d === jwk.d) return cached.key;
    this.imports++;
    const key = crypto.subtle.importKey("jwk", jwk, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["sign"]);
    // A failed import is not kept.
    key.catch(() => this.#keys.delete(keyId));
    if (this.#keys.size >= KEY_CACHE_SIZE) this.#keys.delete(this.#keys.keys().next().value as string);
    this.#keys.set(keyId, { d: jwk.d!, key });
    return key;
  }

  /** The headers Fedify's draft-cavage signing produces for a POST of `body` to `inbox`. */
  async #sign(inbox: URL, body: string, rsa: { keyId: string; privateKey: JsonWebKey }): Promise<{ headers: Record<string, string>; body: string }> {
    const key = await this.#key(rsa.keyId, rsa.privateKey);
    // Fedify signs (request-target) then every request header, in Headers order (sorted).
    const signed: [string, string][] = [
      ["content-type", "application/activity+json"],
      ["date", new Date().toUTCString()],
      ["digest", `SHA-256=${createHash("sha256").update(body).digest("base64")}`],
      ["host", inbox.host],
    ];
    const message = [`(request-target): post ${inbox.pathname}`, ...signed.map(([name, value]) => `${name}: ${value}`)].join("\n");
    const signature = Buffer.from(await crypto.subtle.sign("RSASSA-PKCS1-v1_5", key, new TextEncoder().encode(message))).toString("base64");
    const headers = Object.fromEntries(signed);
    headers.signature = `keyId="${new URL(rsa.keyId).href}",algorithm="rsa-sha256",headers="(request-target) ${signed.map(([name]) => name).join(" ")}",signature="${signature}"`;
    return { headers, body };
  }
}

/** POSTs through the global dispatcher; a 2xx body is discarded, a failure's start is kept. */
async function post(url: string, headers: Record<string, string>, body: string): Promise<RecordedOutcome> {
  const response = await request(url, { method: "POST", headers, body });
  const responseHeaders = response.headers as Record<string, string | string[]>;
  if (response.statusCode >= 200 && response.statusCode < 300) {
    await response.body.dump();
    return { status: response.statusCode, statusText: STATUS_CODES[response.statusCode] ?? "", headers: responseHeaders, body: Buffer.alloc(0) };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size >= FAILURE_BODY_BYTES) break;
    }
  } catch {
    // A body cut short is replayed as far as it came.
  }
  if (!response.body.destroyed) response.body.destroy();
  const kept = Buffer.concat(chunks).subarray(0, FAILURE_BODY_BYTES);
  // The replayed body is what was kept: its length, not the original's.
  const { "content-length": _length, "transfer-encoding": _encoding, ...rest } = responseHeaders;
  return { status: response.statusCode, statusText: STATUS_CODES[response.statusCode] ?? "", headers: rest, body: kept };
}
