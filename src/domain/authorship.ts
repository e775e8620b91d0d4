// Who a post may name as its authors. Praxis stores and relays a post in
// the name of the actor who signed its Create or Update, so the object must
// not claim authorship the signer does not have: every `attributedTo` entry
// is the actor itself, except that the actor's own server may add
// non-person actors of its own (PeerTube attributes a video to the channel,
// a Group, and to the account, a Person). Another person, or anything on
// another server, makes the claim dubious, and the post is refused.

/** What an attribution resolves to: a person-like actor, a group-like one, or nothing readable. */
export type AttributionKind = "person" | "group" | "unknown";

export interface Attribution {
  id: string;
  kind: AttributionKind;
}

export type AuthorshipVerdict = { ok: true } | { ok: false; reason: string };

/** Co-attributions (besides the actor) a post may carry at most. */
export const MAX_CO_ATTRIBUTIONS = 4;

function originOf(uri: string): string | null {
  try {
    const origin = new URL(uri).origin;
    return origin === "null" ? null : origin;
  } catch {
    return null;
  }
}

/** Whether `uri` is on the same origin as `actor` (the co-attributions worth resolving). */
export function onActorsOrigin(actor: string, uri: string): boolean {
  const origin = originOf(actor);
  return origin !== null && origin === originOf(uri);
}

export function judgeAuthorship(actor: string, attributions: readonly Attribution[]): AuthorshipVerdict {
  if (!attributions.some((a) => a.id === actor)) {
    return { ok: false, reason: "its object is not attributed to its actor" };
  }
  const others = attributions.filter((a) => a.id !== actor);
  if (others.length > MAX_CO_ATTRIBUTIONS) {
    return { ok: false, reason: `its object names ${others.length} other authors besides its actor` };
  }
  for (const other of others) {
    if (!onActorsOrigin(actor, other.id)) {
      return { ok: false, reason: `its object also names ${other.id}, on another server, as an author` };
    }
    if (other.kind !== "group") {
      return { ok: false, reason: `its object also names ${other.id}, which is not a group of the actor's server, as an author` };
    }
  }
  return { ok: true };
}
