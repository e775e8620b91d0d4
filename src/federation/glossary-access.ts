// Who may read a closed community's glossary: whoever may read its
// members-only content (src/federation/access.ts), and also its closed
// verified descendants, however far down. A closed sub-community is a
// member of its closed parent (the link made it follow), but a
// grandchild is not a member of its grandparent; it inherits the
// grandparent's definitions all the same, and the grandparent's posts
// already reach it along the chain.
import type { RequestContext } from "@fedify/fedify";
import { Group } from "@fedify/vocab";
import { getLogger } from "@logtape/logtape";
import type { Community } from "../domain/community.ts";
import type { AppServices } from "../services.ts";
import { membersOnlyRead } from "./access.ts";
import { INSTANCE_ACTOR } from "./addressing.ts";
import { NetworkReader } from "./network-reader.ts";

const logger = getLogger(["praxis", "federation", "glossary"]);

type Ctx = RequestContext<AppServices>;

export async function mayReadGlossary(ctx: Ctx, community: Community): Promise<boolean> {
  if (!community.closed) return true;
  const decision = await membersOnlyRead(ctx, community);
  if (decision.allowed) return true;
  if (decision.reason !== "not-member") return false;
  // Signed by an allowed host, but not by a member: a closed descendant Group?
  const documentLoader = await ctx.getDocumentLoader({ identifier: INSTANCE_ACTOR });
  const owner = await ctx.getSignedKeyOwner({ documentLoader, contextLoader: ctx.contextLoader }).catch(() => null);
  if (!(owner instanceof Group) || !owner.id) return false;
  const signer = owner.id.href;
  const reader = new NetworkReader(ctx);
  const node = await reader.node(signer);
  if (!node?.closed) return false;
  const { all } = await reader.ancestors(signer, ctx.data.config.network.maxDepth);
  const allowed = all.has(ctx.getActorUri(community.slug).href);
  logger.debug("{signer} {verdict} a closed descendant of {community}", { signer, community: community.slug, verdict: allowed ? "is" : "is not" });
  return allowed;
}
