// Membership is following the Group (DESIGN.md): open communities accept at
// once; closed ones keep the request pending until a moderator decides.
export type MembershipStatus = "pending" | "accepted";

export type FollowOutcome =
  | { action: "accept"; status: "accepted" }
  | { action: "hold"; status: "pending" }
  | { action: "refuse" }
  | { action: "reject" };

export function decideFollow(p: { closed: boolean; deleted: boolean; existing: MembershipStatus | null; banned?: boolean }): FollowOutcome {
  if (p.deleted) return { action: "refuse" };
  // A banned actor is told no (Reject), as Lemmy does.
  if (p.banned) return { action: "reject" };
  // A repeated Follow from an accepted member is answered again: the
  // remote side may have lost our first Accept.
  if (p.existing === "accepted" || !p.closed) return { action: "accept", status: "accepted" };
  return { action: "hold", status: "pending" };
}
