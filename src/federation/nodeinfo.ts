import type { Federation } from "@fedify/fedify";
import packageJson from "../../package.json" with { type: "json" };
import type { AppServices } from "../services.ts";

export function registerNodeInfo(federation: Federation<AppServices>): void {
  federation.setNodeInfoDispatcher("/nodeinfo/2.1", async (ctx) => {
    const { repos, config } = ctx.data;
    const [communities, posts, replies] = await Promise.all([
      repos.communities.count(),
      repos.posts.count({ replies: false }),
      repos.posts.count({ replies: true }),
    ]);
    return {
      software: {
        name: "praxis",
        version: packageJson.version,
        homepage: new URL("/", ctx.origin),
      },
      protocols: ["activitypub"],
      // Praxis has no local user accounts; its actors are communities.
      usage: { users: { total: communities }, localPosts: posts, localComments: replies },
      openRegistrations: false,
      metadata: { nodeName: config.instanceName, nodeDescription: config.instanceDescription, communities },
    };
  });
}
