// Bad input is rejected once: an inbox activity whose handling fails because
// of what it says (an object that 404s, an id that is no http(s) URL, a
// document that does not parse) is not retried by the worker, while the
// worker still retries what may succeed later.
import { configure, type LogRecord, reset } from "@logtape/logtape";
import { afterAll, beforeAll, expect, it } from "vitest";
import { classifyHandlerFailure } from "../../src/federation/inbox/failures.ts";
import { FetchError, UrlError } from "@fedify/fedify";
import { createCommunity } from "../../src/operations/communities.ts";
import { waitFor } from "../support/net.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";
import { AS_CONTEXT, type RawActor, type RawHost, startRawHost } from "../support/raw-host.ts";
import { pendingInboxMessages, settleInbox } from "./support/settle.ts";

const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
const logged: LogRecord[] = [];
let praxis: TestPraxis;
let host: RawHost;
let elsewhere: RawHost;
let actor: RawActor;
let group: string;

beforeAll(async () => {
  await configure({
    reset: true,
    sinks: { capture: (record) => void logged.push(record) },
    loggers: [
      { category: ["fedify", "federation", "inbox"], sinks: ["capture"], lowestLevel: "error" },
      { category: ["logtape", "meta"], sinks: [], lowestLevel: "fatal" },
    ],
  });
  praxis = await startPraxis({ limits: { inboxRequestsPerWindow: 0 } });
  host = await startRawHost("127.0.0.45");
  elsewhere = await startRawHost("127.0.0.46");
  elsewhere.serve("/page", "<!doctype html><p>Not ActivityPub</p>", "text/html");
  await createCommunity(praxis, "makers", { name: "Makers" });
  group = `${praxis.origin}/c/makers`;
  actor = await host.actor("alice");
  const followId = host.newId("follows");
  expect((await host.send(`${group}/inbox`, { "@context": AS_CONTEXT, id: followId, type: "Follow", actor: actor.id, object: group }, actor)).status).toBe(202);
  await waitFor(() => host.inboxPosts((r) => r.json?.type === "Accept")[0], "the Accept of the Follow");
});

afterAll(async () => {
  await elsewhere?.stop();
  await host?.stop();
  await praxis?.stop();
  await reset();
});

function create(object: unknown) {
  return { "@context": AS_CONTEXT, id: host.newId(), type: "Create", actor: actor.id, to: [PUBLIC, group], object };
}

const note = (id: string) => ({ id, type: "Note", attributedTo: actor.id, content: "<p>@makers hello</p>", to: [PUBLIC, group], tag: [{ type: "Mention", href: group, name: "@makers" }] });

it("does not retry activities whose objects 404, are no http(s) URLs, or do not parse", async () => {
  const activities = [
    create(`${actor.id}/statuses/missing`),
    create(note(`${elsewhere.origin}/notes/1`)), // embedded from another origin: re-fetched there, 404
    create(`${elsewhere.origin}/page`),
    create("urn:uuid:00000000-0000-4000-8000-000000000001"),
    { "@context": AS_CONTEXT, id: host.newId(), type: "Undo", actor: actor.id, object: `${elsewhere.origin}/likes/gone` },
  ];
  for (const activity of activities) expect((await host.send(`${praxis.origin}/inbox`, activity, actor)).status).toBe(202);
  await settleInbox(praxis, 20_000);
  const retries = logged.filter((r) => String(r.rawMessage).includes("retry..."));
  expect(retries.map((r) => String((r.properties.error as Error)?.message))).toEqual([]);
  expect(await pendingInboxMessages(praxis)).toBe(0);
});

it("tells failures that recur from those worth retrying", () => {
  const response = (status: number) => new FetchError("https://a.example/x", `HTTP ${status}`, new Response(null, { status }));
  expect(classifyHandlerFailure(response(404))).toMatchObject({ permanent: true, level: "info" });
  expect(classifyHandlerFailure(response(410))).toMatchObject({ permanent: true });
  expect(classifyHandlerFailure(new UrlError("Invalid or private address"))).toMatchObject({ permanent: true });
  expect(classifyHandlerFailure(new TypeError("Invalid JSON-LD syntax; \"@id\" value must a string."))).toMatchObject({ permanent: true, level: "warning" });
  expect(classifyHandlerFailure(new SyntaxError("Unexpected token '<'"))).toMatchObject({ permanent: true });
  expect(classifyHandlerFailure(new TypeError("fetch failed", { cause: new Error("unknown scheme") }))).toMatchObject({ permanent: true });
  expect(classifyHandlerFailure(new FetchError("urn:uuid:00000000-0000-4000-8000-000000000001", "fetch failed"))).toMatchObject({ permanent: true });
  // Worth retrying: the peer or the database may recover.
  expect(classifyHandlerFailure(response(500))).toEqual({ permanent: false });
  expect(classifyHandlerFailure(response(429))).toEqual({ permanent: false });
  expect(classifyHandlerFailure(new FetchError("https://a.example/x", "fetch failed"))).toEqual({ permanent: false });
  expect(classifyHandlerFailure(new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) }))).toEqual({ permanent: false });
  expect(classifyHandlerFailure(new DOMException("The operation was aborted due to timeout", "TimeoutError"))).toEqual({ permanent: false });
  expect(classifyHandlerFailure(Object.assign(new Error("database is locked"), { code: "SQLITE_BUSY" }))).toEqual({ permanent: false });
});
