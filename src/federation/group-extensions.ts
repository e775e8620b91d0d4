// Fedify's vocabulary has no Praxis terms nor Lemmy's
// postingRestrictedToMods, so they are added to the Group's JSON-LD after
// Fedify has serialised it, with an inline @context object (never a remote
// context URL, which receivers would have to fetch).
import type { Community } from "../domain/community.ts";

export const PRAXIS_NS = "https://w3id.org/praxis/ns#";

export const GROUP_EXTENSION_CONTEXT = {
  praxis: PRAXIS_NS,
  lemmy: "https://join-lemmy.org/ns#",
  postingRestrictedToMods: "lemmy:postingRestrictedToMods",
  scale: "praxis:scale",
  stream: "praxis:stream",
  parentCommunities: { "@id": "praxis:parentCommunities", "@type": "@id" },
  subcommunities: { "@id": "praxis:subcommunities", "@type": "@id" },
  upcomingEvents: { "@id": "https://w3id.org/fep/8a8e/upcomingEvents", "@type": "@id" },
  // The resource centre, as Mobilizon names a Group's resources.
  resources: { "@id": "https://joinmobilizon.org/ns#resources", "@type": "@id" },
  glossary: { "@id": "praxis:glossary", "@type": "@id" },
  // Working groups (Build stream) and the core group: see FEDERATION.md.
  goal: "praxis:goal",
  endsAt: { "@id": "praxis:endsAt", "@type": "http://www.w3.org/2001/XMLSchema#dateTime" },
  archived: "praxis:archived",
  archivedAt: { "@id": "praxis:archivedAt", "@type": "http://www.w3.org/2001/XMLSchema#dateTime" },
  deliverables: { "@id": "praxis:deliverables", "@type": "@id" },
  maxMembers: "praxis:maxMembers",
} as const;

/** Where a community publishes its links (both must list a link for it to count). */
export function linkCollectionUris(origin: string, slug: string): { parents: string; children: string } {
  return {
    parents: new URL(`/c/${slug}/parents`, origin).href,
    children: new URL(`/c/${slug}/subcommunities`, origin).href,
  };
}

/** The Praxis and Lemmy terms a Group carries, in the actor document and in Update(Group). */
export function groupExtensionTerms(community: Community, origin: string): Record<string, unknown> {
  const links = linkCollectionUris(origin, community.slug);
  return {
    scale: community.scale,
    ...(community.stream ? { stream: community.stream } : {}),
    parentCommunities: links.parents,
    subcommunities: links.children,
    // FEP-8a8e: the community's upcoming meetings (src/web/routes/meetings.ts).
    upcomingEvents: new URL(`/c/${community.slug}/events`, origin).href,
    resources: new URL(`/c/${community.slug}/resources`, origin).href,
    // The community's definitions (src/federation/glossary.ts).
    glossary: new URL(`/c/${community.slug}/glossary`, origin).href,
    // Announcement-only: only the moderators' linked actors may post.
    postingRestrictedToMods: community.announcementOnly,
    ...workingGroupTerms(community, origin),
  };
}

/** A working group's goal, end date, archived state and deliverables; the core group's cap. */
function workingGroupTerms(community: Community, origin: string): Record<string, unknown> {
  const isWorkingGroup = community.stream === "build" || community.goal !== null || community.endsAt !== null;
  return {
    ...(community.goal ? { goal: community.goal } : {}),
    ...(community.endsAt ? { endsAt: community.endsAt } : {}),
    ...(isWorkingGroup || community.archivedAt ? { archived: community.archivedAt !== null } : {}),
    ...(community.archivedAt ? { archivedAt: community.archivedAt } : {}),
    ...(isWorkingGroup ? { deliverables: new URL(`/c/${community.slug}/deliverables`, origin).href } : {}),
    ...(community.maxMembers !== null ? { maxMembers: community.maxMembers } : {}),
  };
}

export function extendGroupJson(json: Record<string, unknown>, community: Community, origin: string): Record<string, unknown> {
  const context = json["@context"];
  const contexts = Array.isArray(context) ? context : context === undefined ? [] : [context];
  return { ...json, "@context": [...contexts, GROUP_EXTENSION_CONTEXT], ...groupExtensionTerms(community, origin) };
}
