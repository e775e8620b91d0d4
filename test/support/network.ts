// Helpers for fractal-network tests: link two communities (on any servers)
// through the real handshake, and read what peers received.
import { expect } from "vitest";
import { createCommunity } from "../../src/operations/communities.ts";
import { approveLink, inviteChild, listRequests, requestParent } from "../../src/operations/links.ts";
import type { Received } from "./peer.ts";
import { waitFor } from "./net.ts";
import type { TestPraxis } from "./praxis.ts";

export const TEST_ACTOR = "test:moderator";

export interface Place {
  server: TestPraxis;
  slug: string;
  uri: string;
}

export async function community(server: TestPraxis, slug: string, opts: { scale?: string; closed?: boolean } = {}): Promise<Place> {
  await createCommunity(server, slug, { name: slug[0].toUpperCase() + slug.slice(1), scale: opts.scale ?? "local", closed: opts.closed ?? false });
  return { server, slug, uri: `${server.origin}/c/${slug}` };
}

async function linkStatus(p: Place, peer: Place): Promise<string | null> {
  const c = await p.server.services.repos.communities.findBySlug(p.slug);
  return (await p.server.services.repos.links.get(c!.id, peer.uri))?.status ?? null;
}

/** Waits until both sides hold the link as active (verified from each other's origin). */
export async function waitLinked(parent: Place, child: Place): Promise<void> {
  await waitFor(async () => (await linkStatus(parent, child)) === "active" && (await linkStatus(child, parent)) === "active",
    `${child.slug} ⊂ ${parent.slug} to be active on both sides`);
}

/**
 * Links child ⊂ parent with the full handshake: the child asks (or the
 * parent invites) and the other side's moderator approves.
 */
export async function link(parent: Place, child: Place, how: "request" | "invite" = "request"): Promise<void> {
  const [asker, approver] = how === "request" ? [child, parent] : [parent, child];
  if (how === "request") await requestParent(child.server, child.slug, parent.uri, TEST_ACTOR);
  else await inviteChild(parent.server, parent.slug, child.uri, TEST_ACTOR);
  const request = await waitFor(async () => (await listRequests(approver.server, approver.slug))
    .find((r) => r.peer === asker.uri && r.status === "incoming"), `${approver.slug} to receive the link request`);
  await approveLink(approver.server, approver.slug, request.id, TEST_ACTOR);
  await waitLinked(parent, child);
}

export function objectIdOf(json: any): string | null {
  const o = json?.object;
  return typeof o === "string" ? o : typeof o?.id === "string" ? o.id : null;
}

/** Boosts (Announce of the object itself) of `objectId`, by announcing actor. */
export function boostsOf(received: Received[], objectId: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of received) {
    if (r.type !== "Announce" || objectIdOf(r.json) !== objectId) continue;
    counts.set(r.actor!, (counts.get(r.actor!) ?? 0) + 1);
  }
  return counts;
}

export function expectNoDuplicateIds(received: Received[]): void {
  const ids = received.map((r) => r.id).filter((id) => id !== null);
  expect(new Set(ids).size).toBe(ids.length);
}
