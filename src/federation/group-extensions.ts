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
} as const;

export function extendGroupJson(json: Record<string, unknown>, community: Community): Record<string, unknown> {
  const context = json["@context"];
  const contexts = Array.isArray(context) ? context : context === undefined ? [] : [context];
  return {
    ...json,
    "@context": [...contexts, GROUP_EXTENSION_CONTEXT],
    scale: community.scale,
    ...(community.stream ? { stream: community.stream } : {}),
    // Announcement-only: only the moderators' linked actors may post.
    postingRestrictedToMods: community.announcementOnly,
  };
}
