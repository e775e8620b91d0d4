import type { Kysely } from "kysely";
import type { ResolvedConfig } from "./config.ts";
import type { Dialect } from "./db/database.ts";
import type { Repositories } from "./db/repositories/index.ts";
import type { Database } from "./db/schema.ts";
import type { DomainPolicy } from "./federation/domain-policy.ts";
import type { FollowerFanout } from "./federation/fanout.ts";

/**
 * What every part of the server shares: configuration, the database and the
 * repositories. It is also Fedify's context data.
 */
export interface AppServices {
  config: ResolvedConfig;
  db: Kysely<Database>;
  dialect: Dialect;
  repos: Repositories;
  /** Blocked and allowed remote hosts, checked on every inbox request and delivery. */
  domainPolicy: DomainPolicy;
  /** Streams a community's activities to its followers (src/federation/fanout.ts). */
  fanout?: FollowerFanout;
}
