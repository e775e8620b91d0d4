// NodeInfo 2.1 (`/.well-known/nodeinfo` → `/nodeinfo/2.1`), whose figures
// fediverse statistics sum across servers, so each counts only what is this
// server's own (FEDERATION.md, "NodeInfo"):
//  - users: local accounts, the operators and moderators who sign in here.
//    Members are accounts on their own servers, which count them; they are
//    reported in metadata.members.
//  - localPosts, localComments: posts written on this server. Communities
//    relay their members' posts, which are written elsewhere; those are
//    reported in metadata.relayedPosts and metadata.relayedComments.
//  - software.homepage and software.repository: the project's, from package.json.
import type { Federation } from "@fedify/fedify";
import packageJson from "../../package.json" with { type: "json" };
import type { AppServices } from "../services.ts";

/** An npm `repository` field (string or { url }) as a browsable URL. */
export function repositoryUrl(repository: string | { url?: string } | undefined): URL | undefined {
  const raw = typeof repository === "string" ? repository : repository?.url;
  if (!raw) return undefined;
  const url = raw.replace(/^git\+/, "").replace(/\.git$/, "");
  return URL.canParse(url) ? new URL(url) : undefined;
}

export function registerNodeInfo(federation: Federation<AppServices>): void {
  federation.setNodeInfoDispatcher("/nodeinfo/2.1", async (ctx) => {
    const { repos, config } = ctx.data;
    const [communities, accounts, members, posts, replies] = await Promise.all([
      repos.communities.count(),
      repos.accounts.list().then((a) => a.length),
      repos.memberships.countDistinctMembers(),
      repos.posts.count({ replies: false }),
      repos.posts.count({ replies: true }),
    ]);
    const pkg = packageJson as { version: string; homepage?: string; repository?: string | { url?: string } };
    return {
      software: {
        name: "praxis",
        version: pkg.version,
        ...(pkg.homepage && URL.canParse(pkg.homepage) ? { homepage: new URL(pkg.homepage) } : {}),
        ...(repositoryUrl(pkg.repository) ? { repository: repositoryUrl(pkg.repository) } : {}),
      },
      protocols: ["activitypub"],
      usage: { users: { total: accounts }, localPosts: 0, localComments: 0 },
      openRegistrations: false,
      metadata: {
        nodeName: config.instanceName,
        nodeDescription: config.instanceDescription,
        communities,
        members,
        relayedPosts: posts,
        relayedComments: replies,
      },
    };
  });
}
