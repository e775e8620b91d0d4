import type { Kysely } from "kysely";
import type { Database } from "../schema.ts";
import type { Dialect } from "../database.ts";
import { AccountRepository, ApiTokenRepository } from "./accounts.ts";
import { ArrivalRepository } from "./arrivals.ts";
import { AuditRepository } from "./audit.ts";
import { BanRepository } from "./bans.ts";
import { CommunityActivityRepository } from "./community-activities.ts";
import { CommunityRepository } from "./communities.ts";
import { DeliverableRepository } from "./deliverables.ts";
import { DomainRepository } from "./domains.ts";
import { GlossaryRepository } from "./glossary.ts";
import { KeyRepository } from "./keys.ts";
import { LinkRepository, NetworkNodeRepository, NetworkPostRepository } from "./links.ts";
import { MeetingRepository } from "./meetings.ts";
import { MembershipRepository } from "./memberships.ts";
import { ModeratorRepository } from "./moderators.ts";
import { PostRepository } from "./posts.ts";
import { ReactionRepository } from "./reactions.ts";
import { RemoteActorRepository } from "./remote-actors.ts";
import { ReportRepository } from "./reports.ts";
import { PracticeRepository, ResourceRepository } from "./resources.ts";
import { SessionRepository } from "./sessions.ts";

export interface Repositories {
  communities: CommunityRepository;
  memberships: MembershipRepository;
  posts: PostRepository;
  activities: CommunityActivityRepository;
  remoteActors: RemoteActorRepository;
  keys: KeyRepository;
  moderators: ModeratorRepository;
  audit: AuditRepository;
  links: LinkRepository;
  networkPosts: NetworkPostRepository;
  networkNodes: NetworkNodeRepository;
  bans: BanRepository;
  reports: ReportRepository;
  accounts: AccountRepository;
  tokens: ApiTokenRepository;
  domains: DomainRepository;
  reactions: ReactionRepository;
  sessions: SessionRepository;
  meetings: MeetingRepository;
  resources: ResourceRepository;
  practice: PracticeRepository;
  glossary: GlossaryRepository;
  deliverables: DeliverableRepository;
  arrivals: ArrivalRepository;
}

/** The repositories over `db` (some read differently on PostgreSQL, `dialect`). */
export function createRepositories(db: Kysely<Database>, dialect: Dialect): Repositories {
  return {
    communities: new CommunityRepository(db),
    memberships: new MembershipRepository(db),
    posts: new PostRepository(db),
    activities: new CommunityActivityRepository(db),
    remoteActors: new RemoteActorRepository(db),
    keys: new KeyRepository(db),
    moderators: new ModeratorRepository(db),
    audit: new AuditRepository(db),
    links: new LinkRepository(db),
    networkPosts: new NetworkPostRepository(db),
    networkNodes: new NetworkNodeRepository(db),
    bans: new BanRepository(db),
    reports: new ReportRepository(db),
    accounts: new AccountRepository(db),
    tokens: new ApiTokenRepository(db),
    domains: new DomainRepository(db),
    reactions: new ReactionRepository(db),
    sessions: new SessionRepository(db),
    meetings: new MeetingRepository(db),
    resources: new ResourceRepository(db),
    practice: new PracticeRepository(db),
    glossary: new GlossaryRepository(db),
    deliverables: new DeliverableRepository(db),
    arrivals: new ArrivalRepository(db, dialect),
  };
}
