// A burst of relays to one community (src/federation/fanout.ts, send):
// relays that reach the member list while a read of it is on its way share
// that read; one that comes after it reads again. A cascade leaves out the
// neighbour it came from (job.except), unless another member shares its inbox.
import { describe, expect, it } from "vitest";
import type { DeliveryTarget } from "../../src/db/repositories/memberships.ts";
import { FANOUT_TYPE, FollowerFanout, type FollowerFanoutOptions, type PreparedRelay } from "../../src/federation/fanout.ts";

function relayTo(community: string): PreparedRelay {
  return {
    job: { type: FANOUT_TYPE, community, templates: [{ message: { type: "outbox", activityId: `https://here.example/a/${community}` } as never, orderingKey: null }], after: null },
    sent: [],
  };
}

describe("FollowerFanout.send", () => {
  it("reads a community's first page of members once for the relays that wait on it together", async () => {
    const reads: string[] = [];
    const pending: (() => void)[] = [];
    let members: DeliveryTarget[] = [{ actorUri: "https://a.example/u/1", inbox: "https://a.example/u/1/inbox", sharedInbox: "https://a.example/inbox" }];
    const queued: unknown[][] = [];
    const fanout = new FollowerFanout({
      repos: {
        memberships: {
          deliveryPage: (community: string) => {
            reads.push(community);
            const answer = members;
            return new Promise<DeliveryTarget[]>((resolve) => pending.push(() => resolve(answer)));
          },
        },
      } as unknown as FollowerFanoutOptions["repos"],
      domainPolicy: { allowsUri: async () => true } as unknown as FollowerFanoutOptions["domainPolicy"],
      deliveries: {
        enqueue: async () => {},
        enqueueDeliveries: async (entries) => {
          queued.push(entries.map((e) => (e.message as { inbox: string }).inbox));
        },
      },
      checkpoint: async () => {},
    });
    const together = [fanout.send(relayTo("c1")), fanout.send(relayTo("c1")), fanout.send(relayTo("c2")), fanout.send(relayTo("c1"))];
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(reads).toEqual(["c1", "c2"]);
    for (const resolve of pending.splice(0)) resolve();
    await Promise.all(together);
    expect(queued).toEqual(Array(4).fill(["https://a.example/inbox"]));

    // A relay after the read answered reads again, and sees a member who joined since.
    members = [...members, { actorUri: "https://b.example/u/2", inbox: "https://b.example/u/2/inbox", sharedInbox: null }];
    const later = fanout.send(relayTo("c1"));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(reads).toEqual(["c1", "c2", "c1"]);
    for (const resolve of pending.splice(0)) resolve();
    await later;
    expect(queued.at(-1)).toEqual(["https://a.example/inbox", "https://b.example/u/2/inbox"]);
  });

  it("leaves out the follower a job excepts, but not an inbox another follower shares", async () => {
    const queued: { inbox: string; actorIds: string[] }[] = [];
    const fanout = new FollowerFanout({
      repos: {
        memberships: {
          deliveryPage: async (): Promise<DeliveryTarget[]> => [
            { actorUri: "https://parent.example/c/national", inbox: "https://parent.example/c/national/inbox", sharedInbox: "https://parent.example/inbox" },
            { actorUri: "https://mastodon.example/users/bob", inbox: "https://mastodon.example/users/bob/inbox", sharedInbox: "https://mastodon.example/inbox" },
            { actorUri: "https://shared.example/c/a", inbox: "https://shared.example/c/a/inbox", sharedInbox: "https://shared.example/inbox" },
            { actorUri: "https://shared.example/users/carol", inbox: "https://shared.example/users/carol/inbox", sharedInbox: "https://shared.example/inbox" },
          ],
        },
      } as unknown as FollowerFanoutOptions["repos"],
      domainPolicy: { allowsUri: async () => true } as unknown as FollowerFanoutOptions["domainPolicy"],
      deliveries: {
        enqueue: async () => {},
        enqueueDeliveries: async (entries) => {
          queued.push(...entries.map((e) => e.message as { inbox: string; actorIds: string[] }));
        },
      },
      checkpoint: async () => {},
    });
    const excepting = (except: string): PreparedRelay => {
      const prepared = relayTo("c1");
      prepared.job.except = except;
      return prepared;
    };
    await fanout.send(excepting("https://parent.example/c/national"));
    expect(queued.map((m) => m.inbox)).toEqual(["https://mastodon.example/inbox", "https://shared.example/inbox"]);
    queued.length = 0;
    await fanout.send(excepting("https://shared.example/c/a"));
    expect(queued.map((m) => [m.inbox, m.actorIds])).toEqual([
      ["https://parent.example/inbox", ["https://parent.example/c/national"]],
      ["https://mastodon.example/inbox", ["https://mastodon.example/users/bob"]],
      ["https://shared.example/inbox", ["https://shared.example/users/carol"]],
    ]);
  });
});
