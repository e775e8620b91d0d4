// Assembles the Fedify federation: one file per concern, wired here.
import {
  type CircuitBreakerOptions, createExponentialBackoffPolicy, createFederation, type Federation, type KvStore, type MessageQueue,
  SendActivityError,
} from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";
import type { AppServices } from "../services.ts";
import { registerActors } from "./actors.ts";
import { registerCollections } from "./collections.ts";
import { ContextLoader, installContextLoader } from "./context-loader.ts";
import { shareDocumentLoaders } from "./document-loader.ts";
import { currentDeliveryAttempt } from "./delivery-gate.ts";
import { registerInbox } from "./inbox/index.ts";
import { registerMeetingObjects } from "./meetings.ts";
import { registerNetworkCollections } from "./network-collections.ts";
import { registerNodeInfo } from "./nodeinfo.ts";
import { registerResources } from "./resources.ts";

const logger = getLogger(["praxis", "federation"]);
const deliveryLogger = getLogger(["praxis", "federation", "delivery"]);

/**
 * Answers after which a delivery is not retried: the peer understood the
 * request and refuses it (NodeBB answers 400 to echoes of its own posts).
 */
export const PERMANENT_FAILURE_STATUSES: readonly number[] = [400, 404, 410, 422];
/** Of those, the answers that mean the recipient is gone: the member is removed. */
const GONE_STATUSES: readonly number[] = [404, 410];

/** The signature format tried first (Bonfire mishandles an RFC 9421 first knock; cavage is what Mastodon, Lemmy and most of the fediverse speak). */
export const FIRST_KNOCK = "draft-cavage-http-signatures-12";

/**
 * The circuit breaker: a host that keeps failing is held (its deliveries
 * wait) and probed again after hostRecoverySeconds, not Fedify's default
 * 30 minutes. Shared with the delivery fast path, which reads its state.
 */
export function circuitBreakerOptions(config: AppServices["config"]): CircuitBreakerOptions {
  return {
    failureThreshold: config.queue.hostFailureThreshold,
    failureWindow: { minutes: 10 },
    recoveryDelay: { seconds: config.queue.hostRecoverySeconds },
  };
}

export interface FederationDeps {
  kv: KvStore;
  queue: MessageQueue;
}

/** A one-line reason for a failed delivery: the HTTP status, or the innermost network error. */
export function describeDeliveryError(error: unknown): { status: number | null; reason: string } {
  if (error instanceof SendActivityError) {
    const body = (error.responseBody ?? "").replace(/\s+/g, " ").trim().slice(0, 200);
    return { status: error.statusCode, reason: `HTTP ${error.statusCode}${body ? `: ${body}` : ""}` };
  }
  let inner: unknown = error;
  while (inner instanceof Error && inner.cause instanceof Error) inner = inner.cause;
  if (inner instanceof AggregateError && inner.errors[0] instanceof Error) inner = inner.errors[0];
  const e = inner as { message?: string; code?: string };
  const message = e?.message || String(inner);
  return { status: null, reason: e?.code && !message.includes(e.code) ? `${e.code}: ${message}` : message };
}

export function createPraxisFederation(services: AppServices, deps: FederationDeps): Federation<AppServices> {
  const { config } = services;
  const retryPolicy = createExponentialBackoffPolicy();
  const federation = createFederation<AppServices>({
    kv: deps.kv,
    queue: deps.queue,
    // The queue is started explicitly by processes whose role includes the
    // worker, so that web-only processes and the CLI only enqueue.
    manuallyStartQueue: true,
    origin: config.origin,
    allowPrivateAddress: config.allowPrivateAddress,
    firstKnock: FIRST_KNOCK,
    permanentFailureStatusCodes: [...PERMANENT_FAILURE_STATUSES],
    circuitBreaker: circuitBreakerOptions(config),
    outboxRetryPolicy: (context) => {
      const delay = retryPolicy(context);
      const attempt = currentDeliveryAttempt();
      if (delay === null && attempt) {
        deliveryLogger.error("Gave up delivering {activity} to {inbox} after {attempts} attempts; last error: {reason}",
          { activity: attempt.activityId, inbox: attempt.inbox, attempts: context.attempts + 1, reason: attempt.failure?.reason });
      }
      return delay;
    },
    // Praxis logs each failed delivery once, here (Fedify's own outbox log is
    // kept for debug level); the delivery gate records it for queue status.
    onOutboxError: (error, activity) => {
      const failure = describeDeliveryError(error);
      const attempt = currentDeliveryAttempt();
      if (attempt) attempt.failure = failure;
      const inbox = attempt?.inbox ?? (error instanceof SendActivityError ? error.inbox.href : undefined);
      const properties = { activity: activity?.id?.href, inbox, status: failure.status, reason: failure.reason };
      if (failure.status !== null && PERMANENT_FAILURE_STATUSES.includes(failure.status)) {
        deliveryLogger.info("{inbox} refused {activity} with {status}; not retrying", properties);
      } else {
        deliveryLogger.warn("Delivery of {activity} to {inbox} failed: {reason}", properties);
      }
    },
  });
  // Remote @context URLs: preloaded ones served locally, others fetched with a deadline and cached.
  installContextLoader(federation, new ContextLoader({ kv: deps.kv, allowPrivateAddress: config.allowPrivateAddress, ...config.jsonLdContexts }));
  shareDocumentLoaders(federation);
  registerActors(federation);
  registerCollections(federation);
  registerNetworkCollections(federation);
  registerMeetingObjects(federation);
  registerInbox(federation, deps.kv);
  registerNodeInfo(federation);
  registerResources(federation);
  // A member whose server answers 404/410 is gone: stop delivering to them.
  // Other refusals (400, 422) only end that one delivery.
  federation.setOutboxPermanentFailureHandler(async (ctx, failure) => {
    if (failure.reason !== "http" || !GONE_STATUSES.includes(failure.statusCode)) {
      if (failure.reason === "circuit-breaker-ttl") {
        logger.warn("Dropped a delivery to {inbox}: its host has been unreachable for a week", { inbox: failure.inbox.href });
      }
      return;
    }
    for (const actorId of failure.actorIds) {
      const removed = await ctx.data.repos.memberships.removeEverywhere(actorId.href);
      if (removed > 0) logger.info("Removed unreachable member {actor} ({status})", { actor: actorId.href, status: failure.statusCode });
    }
  });
  return federation;
}
