// The two collections that publish a community's links in the fractal
// network: praxis:parentCommunities and praxis:subcommunities. A community
// lists the links it has agreed to; a link counts once the peer lists it too.
import type { Federation, RequestContext } from "@fedify/fedify";
import { Group } from "@fedify/vocab";
import type { LinkRelation } from "../db/schema.ts";
import type { AppServices } from "../services.ts";
import { INSTANCE_ACTOR } from "./addressing.ts";
import { PUBLISHED_STATUSES } from "./network-reader.ts";

async function linkedGroups(ctx: RequestContext<AppServices>, identifier: string, relation: LinkRelation) {
  if (identifier === INSTANCE_ACTOR) return null;
  const community = await ctx.data.repos.communities.findBySlug(identifier);
  if (!community || community.deletedAt) return null;
  const links = await ctx.data.repos.links.list(community.id, { statuses: [...PUBLISHED_STATUSES], relation });
  return links.map((l) => l.peer_uri);
}

export function registerNetworkCollections(federation: Federation<AppServices>): void {
  for (const [name, path, relation] of [
    ["parentCommunities", "/c/{identifier}/parents", "parent"],
    ["subcommunities", "/c/{identifier}/subcommunities", "child"],
  ] as const) {
    federation
      .setOrderedCollectionDispatcher(name, Group, path, async (ctx, values) => {
        const uris = await linkedGroups(ctx, values.identifier, relation);
        return uris ? { items: uris.map((id) => new Group({ id: new URL(id) })) } : null;
      })
      .setCounter(async (ctx, values) => (await linkedGroups(ctx, values.identifier, relation))?.length ?? null);
  }
}
