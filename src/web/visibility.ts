// The one question every public page, feed and thread asks before showing a
// community's posts: may this visitor read them? A closed community's
// content is for its members (DESIGN.md, "Trust and privacy"); the public
// pages know no members, so for now they show a closed community's profile
// but none of its posts. Every page that shows content calls this and
// nothing else, so the rule can be refined in one place.
import type { Community } from "../domain/community.ts";

/** Who is looking. Public pages have no signed-in reader yet. */
export interface Visitor {
  /** A console account that moderates this community (or an operator). */
  moderates?: boolean;
}

export function mayViewContent(community: Community, _visitor: Visitor = {}): boolean {
  return !community.closed;
}
