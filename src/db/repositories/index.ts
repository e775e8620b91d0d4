import type { Kysely } from "kysely";
import type { Database } from "../schema.ts";
import { AccountRepository, ApiTokenRepository } from "./accounts.ts";
import { AuditRepository } from "./audit.ts";
import { CommunityActivityRepository } from "./community-activities.ts";
import { CommunityRepository } from "./communities.ts";
import { DomainRepository } from "./domains.ts";
import { KeyRepository } from "./keys.ts";
import { MembershipRepository } from "./memberships.ts";
import { ModeratorRepository } from "./moderators.ts";
import { PostRepository } from "./posts.ts";
import { RemoteActorRepository } from "./remote-actors.ts";

export interface Repositories {
  communities: CommunityRepository;
  memberships: MembershipRepository;
  posts: PostRepository;
  activities: CommunityActivityRepository;
  remoteActors: RemoteActorRepository;
  keys: KeyRepository;
  moderators: ModeratorRepository;
  audit: AuditRepository;
  accounts: AccountRepository;
  tokens: ApiTokenRepository;
  domains: DomainRepository;
}

export function createRepositories(db: Kysely<Database>): Repositories {
  return {
    communities: new CommunityRepository(db),
    memberships: new MembershipRepository(db),
    posts: new PostRepository(db),
    activities: new CommunityActivityRepository(db),
    remoteActors: new RemoteActorRepository(db),
    keys: new KeyRepository(db),
    moderators: new ModeratorRepository(db),
    audit: new AuditRepository(db),
    accounts: new AccountRepository(db),
    tokens: new ApiTokenRepository(db),
    domains: new DomainRepository(db),
  };
}
