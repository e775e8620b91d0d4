// Working out where an incoming post is going and who may see it, from its
// addressing alone. Pure functions so the rules can be unit-tested.

export const PUBLIC_ADDRESSES: ReadonlySet<string> = new Set([
  "https://www.w3.org/ns/activitystreams#Public",
  "as:Public",
  "Public",
]);

/** The addressing of an activity and its object, merged. */
export interface Addressing {
  to: readonly string[];
  cc: readonly string[];
  /** bto/bcc are never honoured for relaying, but they count as addressing. */
  bto?: readonly string[];
  bcc?: readonly string[];
  audience: readonly string[];
  /** `href`s of `Mention` tags. */
  mentions: readonly string[];
}

/**
 * Mastodon's four visibilities, read from the addressing: public (Public in
 * `to`), unlisted (Public only in `cc`), and the two non-public ones, which
 * Praxis never relays.
 */
export type Visibility = "public" | "unlisted" | "followers" | "direct";

export function visibilityOf(a: Pick<Addressing, "to" | "cc">, authorFollowers?: string | null): Visibility {
  if (a.to.some((x) => PUBLIC_ADDRESSES.has(x))) return "public";
  if (a.cc.some((x) => PUBLIC_ADDRESSES.has(x))) return "unlisted";
  if (authorFollowers && [...a.to, ...a.cc].includes(authorFollowers)) return "followers";
  return "direct";
}

export function isPublicVisibility(v: Visibility): boolean {
  return v === "public" || v === "unlisted";
}

const STRICTNESS: Readonly<Record<Visibility, number>> = { public: 0, unlisted: 1, followers: 2, direct: 3 };

/** The more restricted of two visibilities. */
export function stricterVisibility(a: Visibility, b: Visibility): Visibility {
  return STRICTNESS[a] >= STRICTNESS[b] ? a : b;
}

/**
 * The visibility of an object delivered inside an activity (a Create, an
 * Update): the stricter of the object's own addressing and the activity's.
 * The object is what receivers fetch and show, so a followers-only object
 * stays followers-only whatever the wrapping activity claims; an object with
 * no addressing of its own is direct. Without an object, the activity alone.
 */
export function visibilityOfWrapped(
  activity: Pick<Addressing, "to" | "cc">,
  object: Pick<Addressing, "to" | "cc"> | null,
  authorFollowers?: string | null,
): Visibility {
  const outer = visibilityOf(activity, authorFollowers);
  return object ? stricterVisibility(outer, visibilityOf(object, authorFollowers)) : outer;
}

/** What a local URI turned out to be, as told by the federation layer. */
export type LocalTarget =
  | { kind: "community"; slug: string }
  | { kind: "followers"; slug: string };

/**
 * The home community of a post (DESIGN.md): the local Group named in
 * `audience`, else the first local Group (or its followers collection) in
 * `to`, `cc` or a mention, else the community of the post it replies to.
 * Returns null when the post concerns no local community.
 */
export function homeCommunity(
  a: Addressing,
  resolve: (uri: string) => LocalTarget | null,
  replyTargetCommunity?: string | null,
): string | null {
  for (const list of [a.audience, a.to, a.cc, a.mentions]) {
    for (const uri of list) {
      const target = resolve(uri);
      if (target) return target.slug;
    }
  }
  return replyTargetCommunity ?? null;
}

/**
 * Whether the audience names a group that is not a local community. The
 * Public collection in `audience` names no group (some servers put it
 * there), so it is left out.
 */
export function audienceNamesOtherGroup(a: Addressing, resolve: (uri: string) => LocalTarget | null): boolean {
  const audience = a.audience.filter((uri) => !PUBLIC_ADDRESSES.has(uri));
  return audience.length > 0 && audience.every((uri) => resolve(uri) === null);
}
