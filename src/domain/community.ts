// Rules about communities themselves: what a valid slug, scale, stream or
// language list is, and who may post. No Fedify, HTTP or database here.

export const SCALES = ["local", "regional", "national", "international"] as const;
export type Scale = (typeof SCALES)[number];

/** The three streams of a community of practice (DESIGN.md). */
export const STREAMS = ["learn", "share", "build"] as const;
export type Stream = (typeof STREAMS)[number];

/** Who may post into a community besides its members. */
export const POSTING_POLICIES = ["members", "anyone"] as const;
export type PostingPolicy = (typeof POSTING_POLICIES)[number];

export interface Community {
  id: string;
  slug: string;
  name: string;
  summary: string;
  scale: Scale;
  stream: Stream | null;
  languages: string[];
  /** Membership requires a moderator's approval. */
  closed: boolean;
  postingPolicy: PostingPolicy;
  /** Only the moderators' linked actors may post (Lemmy's postingRestrictedToMods). */
  announcementOnly: boolean;
  /** Plain text, one rule per line (shown on the community page). */
  rules: string;
  /** A working group's goal and end date (Build stream; src/domain/working-groups.ts). */
  goal: string | null;
  endsAt: string | null;
  /** When the working group was archived: read-only, still listed. */
  archivedAt: string | null;
  /** The core group: most accepted members (null: no cap). */
  maxMembers: number | null;
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
}

export class ValidationError extends Error {
  override name = "ValidationError";
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}

const SLUG_RE = /^[a-z0-9](?:[a-z0-9_-]{0,62}[a-z0-9])?$/;
// Slugs share the actor namespace and URL space with these.
const RESERVED_SLUGS = new Set(["actor", "admin", "api", "inbox", "instance", "new", "static", "well-known"]);

export function validateSlug(slug: string): string {
  if (!SLUG_RE.test(slug)) {
    throw new ValidationError("slug",
      `"${slug}" is not a valid slug: use 1–64 lowercase letters, digits, "-" or "_", starting and ending with a letter or digit`);
  }
  if (RESERVED_SLUGS.has(slug)) throw new ValidationError("slug", `"${slug}" is reserved`);
  return slug;
}

export function validateName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > 100) {
    throw new ValidationError("name", "must be 1–100 characters");
  }
  return trimmed;
}

export function validateSummary(summary: string): string {
  if (summary.length > 5000) throw new ValidationError("summary", "must be at most 5000 characters");
  return summary.trim();
}

const MAX_RULES = 4000;

/** A community's rules: plain text, one rule per line, blank lines dropped. */
export function validateRules(rules: string): string {
  const lines = rules.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  const text = lines.join("\n");
  if (text.length > MAX_RULES) throw new ValidationError("rules", `must be at most ${MAX_RULES} characters`);
  return text;
}

/** The rules as a list, one per line. */
export function rulesOf(community: Pick<Community, "rules">): string[] {
  return community.rules.split("\n").filter((l) => l.length > 0);
}

export function parseScale(value: string): Scale {
  if (!(SCALES as readonly string[]).includes(value)) {
    throw new ValidationError("scale", `expected one of ${SCALES.join(", ")}, got "${value}"`);
  }
  return value as Scale;
}

export function parseStream(value: string): Stream {
  if (!(STREAMS as readonly string[]).includes(value)) {
    throw new ValidationError("stream", `expected one of ${STREAMS.join(", ")}, got "${value}"`);
  }
  return value as Stream;
}

export function parsePostingPolicy(value: string): PostingPolicy {
  if (!(POSTING_POLICIES as readonly string[]).includes(value)) {
    throw new ValidationError("posting", `expected one of ${POSTING_POLICIES.join(", ")}, got "${value}"`);
  }
  return value as PostingPolicy;
}

const LANGUAGE_RE = /^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/;

/** Parses "en,fr" or ["en","fr"] into a de-duplicated list of BCP 47 tags. */
export function parseLanguages(value: string | string[]): string[] {
  const list = (Array.isArray(value) ? value : value.split(","))
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  for (const tag of list) {
    if (!LANGUAGE_RE.test(tag)) {
      throw new ValidationError("language", `"${tag}" is not a language tag such as en, fr or fr-CA`);
    }
  }
  return [...new Set(list)];
}
