// Access control for what a closed community publishes (DESIGN.md, "Trust
// and privacy"): its outbox, featured collection, member list pages and
// the activities it sent are served only to requests signed by a member,
// a moderator, or the server actor of a server that hosts a member. The
// signature is verified by Fedify (`getSignedKeyOwner`), fetching the
// signer's key and actor with requests signed by our instance actor, so
// servers that require authorized fetch answer them.
import type { RequestContext } from "@fedify/fedify";
import { Application } from "@fedify/vocab";
import { getLogger } from "@logtape/logtape";
import { decideMembersOnlyRead, type ReadDecision } from "../domain/access.ts";
import type { Community } from "../domain/community.ts";
import type { AppServices } from "../services.ts";
import { INSTANCE_ACTOR } from "./addressing.ts";
import { MODERATION_ACTOR } from "./moderation.ts";

const logger = getLogger(["praxis", "federation", "access"]);

type Ctx = RequestContext<AppServices>;

/** Decides whether the signer of the request may read the community's members-only content. */
export async function membersOnlyRead(ctx: Ctx, community: Community): Promise<ReadDecision> {
  const documentLoader = await ctx.getDocumentLoader({ identifier: INSTANCE_ACTOR });
  const owner = await ctx.getSignedKeyOwner({ documentLoader, contextLoader: ctx.contextLoader }).catch((error) => {
    logger.info("Could not verify the signer of {url}: {error}", { url: ctx.url.href, error: (error as Error).message });
    return null;
  });
  const signer = owner?.id?.href ?? null;
  const { repos, domainPolicy } = ctx.data;
  const decision = decideMembersOnlyRead({
    signer,
    signerAllowed: signer !== null && await domainPolicy.allowsUri(signer),
    signerIsMember: signer !== null && (await repos.memberships.status(community.id, signer)) === "accepted",
    signerIsModerator: signer !== null && await repos.moderators.isModeratorActor(community.id, signer),
    signerIsServerActor: owner instanceof Application,
    signerServerHostsMember: signer !== null && owner instanceof Application &&
      await repos.memberships.hasAcceptedMemberOn(community.id, new URL(signer).origin),
  });
  if (!decision.allowed) {
    logger.debug("Refused {url} to {signer}: {reason}", { url: ctx.url.href, signer, reason: decision.reason });
  }
  return decision;
}

/**
 * An `authorize` predicate for a community's collections: an open
 * community's are public; a closed community's are for its members.
 * Unknown identifiers pass, so that the dispatcher answers 404.
 */
export async function mayReadCommunityContent(ctx: Ctx, identifier: string): Promise<boolean> {
  if (identifier === INSTANCE_ACTOR || identifier === MODERATION_ACTOR) return true;
  const community = await ctx.data.repos.communities.findBySlug(identifier);
  if (!community || community.deletedAt || !community.closed) return true;
  return (await membersOnlyRead(ctx, community)).allowed;
}
