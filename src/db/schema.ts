// Kysely table types. Booleans are stored as 0/1 integers and timestamps as
// ISO-8601 strings so that SQLite and PostgreSQL share one schema.
import type { Generated, Insertable, Selectable, Updateable } from "kysely";
import type { GlossaryInheritedTable, GlossaryTermsTable, GlossaryVersionsTable } from "./glossary-schema.ts";

export interface CommunitiesTable {
  id: string;
  slug: string;
  name: string;
  summary: Generated<string>;
  scale: Generated<string>;
  stream: string | null;
  /** JSON array of BCP 47 language tags. */
  languages: Generated<string>;
  closed: Generated<number>;
  posting_policy: Generated<string>;
  announcement_only: Generated<number>;
  /** Plain text, one rule per line. */
  rules: Generated<string>;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
  /** A working group's goal and end date, and when it was archived (migration 0015). */
  goal: Generated<string | null>;
  ends_at: Generated<string | null>;
  archived_at: Generated<string | null>;
  /** The core group: most accepted members (null: no cap). */
  max_members: Generated<number | null>;
}

export interface ActorKeysTable {
  /** A community id, or INSTANCE_KEY_OWNER for the instance actor. */
  owner: string;
  algorithm: string;
  private_jwk: string;
  public_jwk: string;
  created_at: string;
}

export interface RemoteActorsTable {
  uri: string;
  handle: string | null;
  type: string;
  name: string | null;
  inbox: string | null;
  shared_inbox: string | null;
  url: string | null;
  icon_url: string | null;
  fetched_at: string;
}

export interface MembershipsTable {
  community_id: string;
  actor_uri: string;
  status: "pending" | "accepted";
  follow_id: string | null;
  message: string | null;
  requested_at: string;
  accepted_at: string | null;
}

export interface PostsTable {
  id: string;
  community_id: string;
  object_uri: string;
  activity_uri: string | null;
  author_uri: string;
  type: string;
  in_reply_to: string | null;
  name: string | null;
  summary: string | null;
  content: string | null;
  url: string | null;
  published: string;
  updated: string | null;
  deleted_at: string | null;
  received_at: string;
  removed_at: Generated<string | null>;
  removal_reason: Generated<string | null>;
  pinned_at: Generated<string | null>;
  locked_at: Generated<string | null>;
  /** JSON array of attachments (see src/federation/attachments.ts). */
  attachments: Generated<string>;
  /** BCP 47 tag of the content, when the post says. */
  language: Generated<string | null>;
  /** The thread's first post, for a reply whose parent is stored in the same community. */
  thread_uri: Generated<string | null>;
  /** The newest reply in the thread, or the post's own arrival. */
  last_activity_at: Generated<string | null>;
  /** 1/0 as the sender set `sensitive`; null when it did not say. */
  sensitive: Generated<number | null>;
  /** Events: start and end (ISO 8601) and the place's name. */
  starts_at: Generated<string | null>;
  ends_at: Generated<string | null>;
  location: Generated<string | null>;
}

export interface CommunityActivitiesTable {
  id: string;
  community_id: string;
  source_uri: string;
  kind: string;
  activity_uri: string;
  json: string;
  created_at: string;
}

export interface FedifyKvTable {
  key: string;
  value: string;
  expires_at: number | null;
}

export interface FedifyMessageTable {
  id: string;
  queue: string;
  payload: string;
  ordering_key: string | null;
  available_at: number;
  created_at: number;
  seq: number;
  attempts: Generated<number>;
  locked_until: number | null;
  lease_token: string | null;
  last_error: string | null;
  dead: Generated<number>;
  /** Fedify's message type: fanout, outbox (one delivery) or inbox. */
  kind: string | null;
  /** For a delivery, the host (with port) of the inbox it goes to. */
  host: string | null;
}

export interface DeliveryHostsTable {
  host: string;
  last_success_at: number | null;
  last_failure_at: number | null;
  last_status: number | null;
  last_error: string | null;
  failures: Generated<number>;
}

export interface AccountsTable {
  id: string;
  username: string;
  password_hash: string;
  role: "operator" | "moderator";
  actor_uri: string | null;
  created_at: string;
}

export interface CommunityModeratorsTable {
  community_id: string;
  account_id: string;
  added_at: string;
}

export interface AuditLogTable {
  id: string;
  at: string;
  actor: string;
  action: string;
  community_id: string | null;
  target: string | null;
  /** JSON object. */
  details: Generated<string>;
}

export type LinkRelation = "parent" | "child";
export type LinkStatus = "incoming" | "outgoing" | "accepted" | "active";

export interface CommunityLinksTable {
  id: string;
  community_id: string;
  peer_uri: string;
  relation: LinkRelation;
  status: LinkStatus;
  initiator: "local" | "remote";
  request_uri: string | null;
  verified_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface LinkSettingsTable {
  community_id: string;
  cascade: Generated<number>;
  auto_approve: Generated<string>;
  promote_tags: Generated<string>;
}

export interface NetworkPostsTable {
  id: string;
  community_id: string;
  object_uri: string;
  via_uri: string;
  direction: "up" | "down";
  author_uri: string | null;
  name: string | null;
  content: string | null;
  url: string | null;
  tags: Generated<string>;
  published: string | null;
  received_at: string;
  promoted_at: string | null;
  withdrawn_at: string | null;
  attachments: Generated<string>;
  language: Generated<string | null>;
}

export interface NetworkNodesTable {
  uri: string;
  handle: string | null;
  name: string | null;
  url: string | null;
  scale: string | null;
  closed: Generated<number>;
  members: number | null;
  parents: Generated<string>;
  children: Generated<string>;
  fetched_at: string;
}

export interface CommunityBansTable {
  community_id: string;
  actor_uri: string;
  reason: string | null;
  expires_at: string | null;
  banned_by: string;
  block_uri: string | null;
  created_at: string;
}

export type ReportStatus = "open" | "resolved" | "dismissed";

export interface ReportsTable {
  id: string;
  community_id: string | null;
  reporter_uri: string;
  activity_uri: string;
  comment: Generated<string>;
  /** JSON array of URIs. */
  objects: Generated<string>;
  status: Generated<ReportStatus>;
  created_at: string;
  resolved_at: string | null;
  resolved_by: string | null;
  forwarded_at: string | null;
  /** The first reported object; one open report per reporter and subject. */
  subject_uri: string | null;
  /** When a later Flag last updated the report. */
  updated_at: string | null;
  /** Flags received for this report. */
  flag_count: Generated<number>;
}

export interface ApiTokensTable {
  id: string;
  account_id: string;
  name: string | null;
  token_hash: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface DomainBlocksTable {
  host: string;
  reason: string | null;
  created_by: string;
  created_at: string;
}

export interface DomainAllowsTable {
  host: string;
  created_by: string;
  created_at: string;
}

export interface ConsoleSessionsTable {
  /** SHA-256 of the session cookie's token. */
  id: string;
  account_id: string;
  csrf_token: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  client_address: string | null;
}

export interface PostReactionsTable {
  community_id: string;
  object_uri: string;
  actor_uri: string;
  kind: "like" | "dislike";
  activity_uri: string;
  created_at: string;
}

export interface ResourcesTable {
  id: string;
  community_id: string;
  form: "article" | "link";
  kind: string;
  language: string | null;
  title: string;
  url: string | null;
  source: string | null;
  html: string | null;
  version: number;
  practice_status: string | null;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

export interface ResourceVersionsTable {
  resource_id: string;
  version: number;
  kind: string;
  language: string | null;
  title: string;
  url: string | null;
  source: string | null;
  html: string | null;
  author: string;
  created_at: string;
}

export interface PracticeMarksTable {
  id: string;
  community_id: string;
  object_uri: string;
  status: string;
  note: string | null;
  direction: "own" | "up" | "down";
  origin_uri: string;
  note_uri: string | null;
  title: string | null;
  created_at: string;
  updated_at: string;
}

export interface Database {
  communities: CommunitiesTable;
  actor_keys: ActorKeysTable;
  remote_actors: RemoteActorsTable;
  memberships: MembershipsTable;
  posts: PostsTable;
  community_activities: CommunityActivitiesTable;
  fedify_kv: FedifyKvTable;
  fedify_message: FedifyMessageTable;
  delivery_hosts: DeliveryHostsTable;
  accounts: AccountsTable;
  community_moderators: CommunityModeratorsTable;
  audit_log: AuditLogTable;
  community_links: CommunityLinksTable;
  link_settings: LinkSettingsTable;
  network_posts: NetworkPostsTable;
  network_nodes: NetworkNodesTable;
  community_bans: CommunityBansTable;
  reports: ReportsTable;
  api_tokens: ApiTokensTable;
  domain_blocks: DomainBlocksTable;
  domain_allows: DomainAllowsTable;
  console_sessions: ConsoleSessionsTable;
  post_reactions: PostReactionsTable;
  meetings: import("./meeting-tables.ts").MeetingsTable;
  meeting_occurrences: import("./meeting-tables.ts").MeetingOccurrencesTable;
  meeting_attendees: import("./meeting-tables.ts").MeetingAttendeesTable;
  network_events: import("./meeting-tables.ts").NetworkEventsTable;
  resources: ResourcesTable;
  resource_versions: ResourceVersionsTable;
  practice_marks: PracticeMarksTable;
  glossary_terms: GlossaryTermsTable;
  glossary_versions: GlossaryVersionsTable;
  glossary_inherited: GlossaryInheritedTable;
  deliverables: DeliverablesTable;
  network_deliverables: NetworkDeliverablesTable;
  network_working_groups: NetworkWorkingGroupsTable;
}

export interface DeliverablesTable {
  id: string;
  community_id: string;
  title: string;
  status: string;
  due: string | null;
  resource_uri: string | null;
  created_at: string;
  updated_at: string;
}

/** A sub-community's deliverables as they arrived along a verified link. */
export interface NetworkDeliverablesTable {
  community_id: string;
  object_uri: string;
  group_uri: string;
  title: string;
  status: string;
  due: string | null;
  resource_uri: string | null;
  url: string | null;
  received_at: string;
}

/** A linked working group's goal, end date and archived state, as its Group document last said. */
export interface NetworkWorkingGroupsTable {
  uri: string;
  name: string | null;
  goal: string | null;
  ends_at: string | null;
  archived_at: string | null;
  fetched_at: string;
}

export type CommunityRow = Selectable<CommunitiesTable>;
export type NewCommunityRow = Insertable<CommunitiesTable>;
export type CommunityUpdate = Updateable<CommunitiesTable>;
export type MembershipRow = Selectable<MembershipsTable>;
export type PostRow = Selectable<PostsTable>;
export type RemoteActorRow = Selectable<RemoteActorsTable>;
export type AccountRow = Selectable<AccountsTable>;
export type AuditLogRow = Selectable<AuditLogTable>;
export type CommunityLinkRow = Selectable<CommunityLinksTable>;
export type NetworkPostRow = Selectable<NetworkPostsTable>;
export type NetworkNodeRow = Selectable<NetworkNodesTable>;
export type CommunityBanRow = Selectable<CommunityBansTable>;
export type ReportRow = Selectable<ReportsTable>;
export type ApiTokenRow = Selectable<ApiTokensTable>;
export type DomainBlockRow = Selectable<DomainBlocksTable>;
export type DomainAllowRow = Selectable<DomainAllowsTable>;
export type ConsoleSessionRow = Selectable<ConsoleSessionsTable>;
export type ResourceRow = Selectable<ResourcesTable>;
export type ResourceVersionRow = Selectable<ResourceVersionsTable>;
export type PracticeMarkRow = Selectable<PracticeMarksTable>;
