// What the three-hops benchmark asks of each Praxis server: create a
// community, link it, check what it holds, promote a post. `HopsServer` does
// it on a server in this process; `remoteServer` asks a server running in a
// process of its own (bench/hops-server.ts) the same questions over IPC.
import { createCommunity } from "../src/operations/communities.ts";
import { approveLink, listRequests, promotePost, requestParent } from "../src/operations/links.ts";
import type { TestPraxis } from "../test/support/praxis.ts";
import { forkChild } from "./child.ts";

const MODERATOR = "bench:moderator";

export interface HopsPlace {
  origin(): Promise<string>;
  createCommunity(slug: string, scale: string): Promise<string>;
  requestParent(slug: string, parentUri: string): Promise<void>;
  incomingRequest(slug: string, peerUri: string): Promise<string | null>;
  approveLink(slug: string, requestId: string): Promise<void>;
  linkStatus(slug: string, peerUri: string): Promise<string | null>;
  holds(slug: string, objectUri: string): Promise<boolean>;
  /** Promotes `objectUri` as the admin API does; returns Date.now() as it started. */
  promote(slug: string, objectUri: string): Promise<number>;
  /** A server in a process of its own: its CPU profile's windows (with BENCH_CPU_PROFILE; see profiledWindows). */
  profile?: WindowedProfiles;
  stop(): Promise<void>;
}

export interface WindowedProfiles {
  start(label: string): Promise<void>;
  open(): Promise<void>;
  close(): Promise<void>;
  finish(): Promise<void>;
}

export class HopsServer implements HopsPlace {
  private readonly server: TestPraxis;
  constructor(server: TestPraxis) {
    this.server = server;
  }
  async origin() { return this.server.origin; }
  async createCommunity(slug: string, scale: string) {
    await createCommunity(this.server, slug, { name: slug, scale });
    return `${this.server.origin}/c/${slug}`;
  }
  async requestParent(slug: string, parentUri: string) {
    await requestParent(this.server, slug, parentUri, MODERATOR);
  }
  async incomingRequest(slug: string, peerUri: string) {
    return (await listRequests(this.server, slug)).find((r) => r.peer === peerUri && r.status === "incoming")?.id ?? null;
  }
  async approveLink(slug: string, requestId: string) {
    await approveLink(this.server, slug, requestId, MODERATOR);
  }
  async linkStatus(slug: string, peerUri: string) {
    const c = await this.server.services.repos.communities.findBySlug(slug);
    return (await this.server.services.repos.links.get(c!.id, peerUri))?.status ?? null;
  }
  async holds(slug: string, objectUri: string) {
    const c = await this.server.services.repos.communities.findBySlug(slug);
    return (await this.server.services.repos.networkPosts.find(c!.id, objectUri)) != null;
  }
  async promote(slug: string, objectUri: string) {
    const start = Date.now();
    await promotePost(this.server, slug, objectUri, MODERATOR);
    return start;
  }
  async stop() { await this.server.stop(); }
}

/** A Praxis server in a process of its own (bench/hops-server.ts). */
export function remoteServer(): HopsPlace {
  const child = forkChild(new URL("./hops-server.ts", import.meta.url));
  return {
    origin: () => child.call("origin"),
    createCommunity: (slug, scale) => child.call("createCommunity", slug, scale),
    requestParent: (slug, parentUri) => child.call("requestParent", slug, parentUri),
    incomingRequest: (slug, peerUri) => child.call("incomingRequest", slug, peerUri),
    approveLink: (slug, id) => child.call("approveLink", slug, id),
    linkStatus: (slug, peerUri) => child.call("linkStatus", slug, peerUri),
    holds: (slug, objectUri) => child.call("holds", slug, objectUri),
    promote: (slug, objectUri) => child.call("promote", slug, objectUri),
    profile: {
      start: (label) => child.call("profileStart", label),
      open: () => child.call("profileOpen"),
      close: () => child.call("profileClose"),
      finish: () => child.call("profileFinish"),
    },
    stop: () => child.stop(),
  };
}
