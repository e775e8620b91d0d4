// How a post's `summary` is meant. Mastodon, Misskey, Pleroma and
// GoToSocial put a content warning in a Note's (or a poll Question's)
// summary and set `sensitive`; every other type uses summary for an
// excerpt (NodeBB and WordPress Articles, PeerTube and Mobilizon
// descriptions). Shown as a content warning, an excerpt would hide the
// post behind its own first paragraph.

export type SummaryRole = "content-warning" | "excerpt";

/** The types whose summary is a content warning, as Mastodon sends them. */
const WARNING_TYPES: ReadonlySet<string> = new Set(["Note", "Question"]);

/**
 * A Note's or Question's summary is a content warning, unless the sender
 * said explicitly the post is not sensitive; any other type's is an excerpt.
 */
export function summaryRole(type: string, sensitive: boolean | null): SummaryRole {
  return WARNING_TYPES.has(type) && sensitive !== false ? "content-warning" : "excerpt";
}
