// Who may read what a community publishes (its outbox, featured posts,
// member list and the activities it sent). An open community's public
// activities are for anyone. A closed community's content is for its
// members: a request must be signed, and the verified owner of the signing
// key must be an accepted member, one of the community's moderators, or the
// server actor of a server that hosts an accepted member. Pure rules; the
// federation layer verifies the signature and gathers the facts.

export interface ReaderFacts {
  /** The verified owner of the key that signed the request; null when unsigned or unverifiable. */
  signer: string | null;
  /** The domain policy lets the signer's host federate with us. */
  signerAllowed: boolean;
  /** The signer is an accepted member (a follower) of the community. */
  signerIsMember: boolean;
  /** The signer is the fediverse actor linked to one of the community's moderators. */
  signerIsModerator: boolean;
  /**
   * The signer is a server's own actor (an ActivityPub `Application`, such as
   * Mastodon's instance actor or Lemmy's site actor) …
   */
  signerIsServerActor: boolean;
  /** … and an accepted member has an account on that server (same origin). */
  signerServerHostsMember: boolean;
}

export type ReadRefusal =
  | "unsigned"     // no verified signature: anonymous readers see nothing
  | "blocked"      // the signer's host is refused by the domain policy
  | "not-member";  // signed, but by someone who is not let in

export type ReadDecision =
  | { allowed: true; as: "member" | "moderator" | "member-server" }
  | { allowed: false; reason: ReadRefusal };

/**
 * Whether a signed request may read a closed community's content. A server
 * that hosts a member already receives every announce at its shared inbox,
 * so its own actor may read the rest (Mastodon signs such fetches with its
 * instance actor); another person on that server may not.
 */
export function decideMembersOnlyRead(f: ReaderFacts): ReadDecision {
  if (f.signer === null) return { allowed: false, reason: "unsigned" };
  if (!f.signerAllowed) return { allowed: false, reason: "blocked" };
  if (f.signerIsModerator) return { allowed: true, as: "moderator" };
  if (f.signerIsMember) return { allowed: true, as: "member" };
  if (f.signerIsServerActor && f.signerServerHostsMember) return { allowed: true, as: "member-server" };
  return { allowed: false, reason: "not-member" };
}

const PUBLIC = new Set(["https://www.w3.org/ns/activitystreams#Public", "as:Public", "Public"]);

function ids(value: unknown): string[] {
  const list = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  return list.flatMap((v) => typeof v === "string" ? [v]
    : v && typeof v === "object" && typeof (v as { id?: unknown }).id === "string" ? [(v as { id: string }).id] : []);
}

/**
 * Whether a recorded activity (its JSON as sent) was addressed to Public, in
 * `to` or `cc`. What a community sent to its followers only stays for them,
 * even after the community is opened.
 */
export function isPubliclyAddressed(json: unknown): boolean {
  if (!json || typeof json !== "object") return false;
  const o = json as Record<string, unknown>;
  return [...ids(o.to), ...ids(o.cc)].some((id) => PUBLIC.has(id));
}
