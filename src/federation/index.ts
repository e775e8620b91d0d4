// Assembles the Fedify federation: one file per concern, wired here.
import { createFederation, type Federation, type KvStore, type MessageQueue } from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";
import type { AppServices } from "../services.ts";
import { registerActors } from "./actors.ts";
import { registerCollections } from "./collections.ts";
import { registerInbox } from "./inbox/index.ts";
import { registerNetworkCollections } from "./network-collections.ts";
import { registerNodeInfo } from "./nodeinfo.ts";

const logger = getLogger(["praxis", "federation"]);

export interface FederationDeps {
  kv: KvStore;
  queue: MessageQueue;
}

export function createPraxisFederation(services: AppServices, deps: FederationDeps): Federation<AppServices> {
  const { config } = services;
  const federation = createFederation<AppServices>({
    kv: deps.kv,
    queue: deps.queue,
    // The queue is started explicitly by processes whose role includes the
    // worker, so that web-only processes and the CLI only enqueue.
    manuallyStartQueue: true,
    origin: config.origin,
    allowPrivateAddress: config.allowPrivateAddress,
    // Some servers (Bonfire) mishandle an RFC 9421 first knock; cavage is
    // what Mastodon, Lemmy and most of the fediverse speak.
    firstKnock: "draft-cavage-http-signatures-12",
    onOutboxError: (error, activity) => {
      logger.warn("Delivery of {id} failed: {error}", { id: activity?.id?.href, error: error.message });
    },
  });
  registerActors(federation);
  registerCollections(federation);
  registerNetworkCollections(federation);
  registerInbox(federation, deps.kv);
  registerNodeInfo(federation);
  // A member whose server answers 404/410 is gone: stop delivering to them.
  federation.setOutboxPermanentFailureHandler(async (ctx, failure) => {
    for (const actorId of failure.actorIds) {
      const removed = await ctx.data.repos.memberships.removeEverywhere(actorId.href);
      if (removed > 0) logger.info("Removed unreachable member {actor} ({status})", { actor: actorId.href, status: failure.statusCode });
    }
  });
  return federation;
}
