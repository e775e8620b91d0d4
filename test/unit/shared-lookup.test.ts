// An announced object is fetched once for the announces of it that arrive
// together, per server, and a linked neighbour's boost has its post fetched
// ahead of the handler, which takes that answer instead of fetching again
// (src/federation/inbox/announced-objects.ts).
import { describe, expect, it } from "vitest";
import { fetchAhead, fetchAnnounced, sharedLookup } from "../../src/federation/inbox/announced-objects.ts";

describe("sharedLookup", () => {
  it("shares one fetch between concurrent announces of the same object on one server", async () => {
    const server = {};
    let loads = 0;
    let release!: (v: string) => void;
    const load = () => {
      loads++;
      return new Promise<string>((resolve) => { release = resolve; });
    };
    const first = sharedLookup(server, "https://a.example/notes/1", load);
    const second = sharedLookup(server, "https://a.example/notes/1", load);
    release("the note");
    expect(await Promise.all([first, second])).toEqual(["the note", "the note"]);
    expect(loads).toBe(1);
  });

  it("fetches again once the answer has arrived, and for another server or object", async () => {
    const server = {};
    let loads = 0;
    const load = async () => `answer ${++loads}`;
    expect(await sharedLookup(server, "https://a.example/notes/1", load)).toBe("answer 1");
    expect(await sharedLookup(server, "https://a.example/notes/1", load)).toBe("answer 2");
    await Promise.all([
      sharedLookup(server, "https://a.example/notes/2", load),
      sharedLookup({}, "https://a.example/notes/2", load),
    ]);
    expect(loads).toBe(4);
  });

  it("reads a failure as null, for every announce that waited on it", async () => {
    const server = {};
    const load = () => Promise.reject(new Error("timeout"));
    expect(await Promise.all([sharedLookup(server, "https://a.example/x", load), sharedLookup(server, "https://a.example/x", load)])).toEqual([null, null]);
  });
});

describe("fetchAhead", () => {
  const NEIGHBOUR = "https://national.example/c/national";
  const POST = "https://author.example/notes/1";

  /** A server whose community `here` is linked with NEIGHBOUR (active, or as given), holding `own` posts. */
  function server(options: { link?: string | null; own?: readonly string[]; refused?: string } = {}) {
    const lookups: string[] = [];
    const services = {
      repos: {
        links: { withPeer: async (peer: string) => (options.link === null || peer !== NEIGHBOUR ? [] : [{ community_id: "here", status: options.link ?? "active" }]) },
        posts: { findByObject: async (id: string) => ((options.own ?? []).includes(id) ? [{ community_id: "here" }] : []) },
      },
      domainPolicy: { allowsUri: async (uri: string) => options.refused === undefined || !uri.startsWith(options.refused) },
    };
    const signers: string[] = [];
    const ctx = {
      data: services,
      documentLoader: async () => { throw new Error("not used"); },
      getDocumentLoader: async ({ identifier }: { identifier: string }) => {
        signers.push(identifier);
        return async () => { throw new Error("not used"); };
      },
      lookupObject: async (id: string) => {
        lookups.push(id);
        return { id: new URL(id) };
      },
    };
    const federation = { createContext: () => ctx };
    const take = (activity: Record<string, unknown>, identifier?: string) =>
      fetchAhead(federation as never, services as never, { baseUrl: "https://here.example", activity, identifier });
    return { ctx: ctx as never, lookups, signers, take };
  }
  const boost = (over: Record<string, unknown> = {}) => ({ type: "Announce", actor: NEIGHBOUR, object: POST, ...over });

  it("fetches a linked neighbour's boosted post once, ahead, and the handler takes that answer", async () => {
    const { ctx, lookups, signers, take } = server();
    await take(boost(), "here");
    const object = await fetchAnnounced(ctx, POST);
    expect(lookups).toEqual([POST]);
    // Signed as the handler's fetch would be: by the community whose inbox received it.
    expect(signers).toEqual(["here"]);
    expect((object as { id: URL }).id.href).toBe(POST);
    expect(lookups).toEqual([POST]);
    // Taken once: a later announce of it fetches afresh.
    await fetchAnnounced(ctx, POST);
    expect(lookups).toEqual([POST, POST]);
  });

  it("fetches nothing ahead for a stranger, a link not yet active, a post of the community here, a refused host, or anything but a boost by id", async () => {
    for (const [options, activity] of [
      [{}, boost({ actor: "https://stranger.example/c/x" })],
      [{ link: "accepted" }, boost()],
      [{ own: [POST] }, boost()],
      [{ refused: "https://author.example" }, boost()],
      [{}, boost({ type: "Create" })],
      [{}, boost({ object: { id: POST, type: "Note" } })],
      [{}, boost({ object: "not a URL" })],
    ] as const) {
      const { lookups, signers, take } = server(options);
      await take(activity);
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect([...signers, ...lookups], JSON.stringify({ options, activity })).toEqual([]);
    }
  });
});
