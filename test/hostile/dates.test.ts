// Date-times that are not strings (a number, an object, a boolean) in what
// the inbox receives: refused with 400 and a message saying which field,
// never 500. Valid ones, including odd but legal forms, still pass.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isoOf, malformedTemporalValues } from "../../src/federation/time.ts";
import { createCommunity } from "../../src/operations/communities.ts";
import { waitFor } from "../support/net.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";
import { AS_CONTEXT, type RawActor, type RawHost, startRawHost } from "../support/raw-host.ts";

const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
let praxis: TestPraxis;
let host: RawHost;
let actor: RawActor;
let group: string;

beforeAll(async () => {
  praxis = await startPraxis({ limits: { inboxRequestsPerWindow: 0 } });
  host = await startRawHost("127.0.0.43");
  await createCommunity(praxis, "makers", { name: "Makers" });
  group = `${praxis.origin}/c/makers`;
  actor = await host.actor("alice");
  const followId = host.newId("follows");
  expect((await host.send(`${group}/inbox`, { "@context": AS_CONTEXT, id: followId, type: "Follow", actor: actor.id, object: group }, actor)).status).toBe(202);
  await waitFor(() => host.inboxPosts((r) => r.json?.type === "Accept")[0], "the Accept of the Follow");
});

afterAll(async () => {
  await host?.stop();
  await praxis?.stop();
});

function note(extra: Record<string, unknown> = {}) {
  const id = `${actor.id}/statuses/${crypto.randomUUID()}`;
  return { id, type: "Note", attributedTo: actor.id, content: "<p>When?</p>", to: [PUBLIC, group], published: "2030-01-01T10:00:00Z", tag: [{ type: "Mention", href: group, name: "@makers" }], ...extra };
}

function create(object: Record<string, unknown>, extra: Record<string, unknown> = {}, context: unknown = AS_CONTEXT) {
  return { "@context": context, id: `${object.id}/activity`, type: "Create", actor: actor.id, object, to: object.to, ...extra };
}

async function deliver(activity: unknown, inbox = `${praxis.origin}/inbox`) {
  const res = await host.send(inbox, activity, actor);
  return { status: res.status, text: await res.text() };
}

describe("malformed date-times are refused with 400, naming the field", () => {
  it.each([
    ["a numeric published on the object", () => create(note({ published: 1_700_000_000 })), "object.published: a number"],
    ["an object as published", () => create(note({ published: { date: "2030-01-01" } })), "object.published: an object"],
    ["a boolean updated", () => create(note({ updated: true })), "object.updated: a boolean"],
    ["a numeric published on the activity", () => create(note(), { published: 0 }), "published: a number"],
    ["a number inside a published array", () => create(note({ published: ["2030-01-01T00:00:00Z", 5] })), "object.published: a number"],
    ["an Event's numeric startTime", () => create(note({ type: "Event", name: "Meetup", startTime: 1, endTime: 2 })), "object.startTime: a number"],
    ["a numeric duration", () => create(note({ duration: 3600 })), "object.duration: a number"],
    ["a { @value: number } literal", () => create(note({ published: { "@value": 5 } })), "object.published: an object"],
    ["a number under an alias defined inline", () => create(note({ when: 5 }), {}, [...AS_CONTEXT, { when: "as:published" }]), "object.when: a number"],
    ["a numeric updated in an Update", () => ({ "@context": AS_CONTEXT, id: host.newId(), type: "Update", actor: actor.id, object: note({ updated: 1.5 }), to: [PUBLIC] }), "object.updated: a number"],
  ])("%s", async (_, activity, field) => {
    for (const inbox of [`${praxis.origin}/inbox`, `${group}/inbox`]) {
      const { status, text } = await deliver(activity(), inbox);
      expect(status, text).toBe(400);
      expect(text).toContain(field);
    }
  });
});

it("valid date-times still pass and the post is relayed with its date", async () => {
  for (const published of ["2030-01-01T10:00:00Z", "2030-01-01T10:00:00.123456+02:00", "2030-01-01T10:00:00"]) {
    const object = note({ published });
    expect((await deliver(create(object))).status).toBe(202);
    await waitFor(() => host.inboxPosts((r) => r.json?.type === "Announce" && r.json?.object === object.id)[0], `the boost of a post published ${published}`);
  }
  const [post] = await praxis.services.repos.posts.findByObject(host.requests.findLast((r) => r.json?.type === "Announce")!.json.object);
  expect(post.published).toBe("2030-01-01T10:00:00.000Z");
});

describe("the helpers", () => {
  it("isoOf never throws: null for what is not a representable instant", () => {
    expect(isoOf("2030-01-01T10:00:00+01:00")).toBe("2030-01-01T09:00:00.000Z");
    expect(isoOf("+275760-09-13T00:00:00Z")).toBe("+275760-09-13T00:00:00.000Z");
    expect(isoOf("+275760-09-13T00:00:00.001Z")).toBeNull();
    expect(isoOf("yesterday")).toBeNull();
    expect(isoOf({ toString: () => { throw new Error("boom"); } })).toBeNull();
    expect(isoOf(null)).toBeNull();
  });

  it("malformedTemporalValues walks any depth without recursion, and stops early", () => {
    let deep: unknown = { published: 5 };
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(malformedTemporalValues(deep)).toEqual([]); // past the node budget: left to the other limits
    let shallow: unknown = { published: 5 };
    for (let i = 0; i < 1000; i++) shallow = { object: shallow };
    expect(malformedTemporalValues(shallow)).toHaveLength(1);
    expect(malformedTemporalValues({ tag: Array.from({ length: 100 }, () => ({ published: 1 })) })).toHaveLength(5);
    expect(malformedTemporalValues({ published: null, updated: ["2030-01-01T00:00:00Z"], startTime: { "@value": "2030-01-01T00:00:00Z" } })).toEqual([]);
  });
});
