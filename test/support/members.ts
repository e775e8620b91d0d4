// Members inserted straight into a Praxis database, for delivery tests whose
// members live on raw hosts (or at addresses Praxis would refuse to fetch).
import type { TestPraxis } from "./praxis.ts";

export interface MemberRow {
  uri: string;
  inbox: string;
  sharedInbox?: string | null;
}

/** Makes each actor an accepted member of `slug`, with the given inbox (no shared inbox unless given). */
export async function addMembers(praxis: TestPraxis, slug: string, members: MemberRow[]): Promise<void> {
  const community = await praxis.services.repos.communities.findBySlug(slug);
  if (!community) throw new Error(`No community ${slug}`);
  for (const m of members) {
    await praxis.services.repos.remoteActors.upsert({
      uri: m.uri, handle: null, type: "Person", name: null, inbox: m.inbox, sharedInbox: m.sharedInbox ?? null, url: null, iconUrl: null,
    });
    await praxis.services.repos.memberships.upsert(community.id, m.uri, "accepted", null);
  }
}
