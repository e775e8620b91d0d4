// Meetings over real signed HTTP on loopback: a Fedify peer follows a
// community, receives its Events, RSVPs with Join/Leave and gets Accept or
// Reject; the calendar is parsed by a real iCalendar parser (ical.js); a
// parent community on another Praxis server cascades its meeting to a
// child's network calendar; the admin API answers 400/404 naming the field.
import ICAL from "ical.js";
import { Join, Leave } from "@fedify/vocab";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount, createToken } from "../../src/operations/accounts.ts";
import { cancelMeeting, createMeeting, meetingAttendees, publishMeetings, updateMeeting } from "../../src/operations/meetings.ts";
import { fixture } from "../support/fixtures.ts";
import { waitFor } from "../support/net.ts";
import { startRawHost } from "../support/raw-host.ts";
import { community, link, type Place } from "../support/network.ts";
import { type Peer, startPeer } from "../support/peer.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";

const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
const HORIZON_DAYS = 30;

let praxis: TestPraxis;
let parentServer: TestPraxis;
let peer: Peer;
let group: string;
let token: string;

const day = 86_400_000;
/** A local wall-clock start `days` from now at 19:00 (in whatever zone the meeting names). */
const startIn = (days: number) => `${new Date(Date.now() + days * day).toISOString().slice(0, 10)}T19:00`;
const objectOf = (json: any) => (typeof json.object === "string" ? json.object : json.object?.id);
const innerObjectOf = (json: any) => (typeof json.object === "object" ? objectOf(json.object) : undefined);

async function join(user: string, eventId: string): Promise<string> {
  const id = new URL(`/users/${user}/joins/${crypto.randomUUID()}`, peer.origin);
  await peer.send(user, new Join({ id, actor: new URL(peer.userUri(user)), object: new URL(eventId) }), [group]);
  return id.href;
}

async function leave(user: string, eventId: string): Promise<void> {
  const id = new URL(`/users/${user}/leaves/${crypto.randomUUID()}`, peer.origin);
  await peer.send(user, new Leave({ id, actor: new URL(peer.userUri(user)), object: new URL(eventId) }), [group]);
}

const answerTo = (type: "Accept" | "Reject", joinId: string) => waitFor(
  () => peer.receivedOf(type, (r) => r.actor === group && (innerObjectOf(r.json) === joinId || (r.json.object?.id ?? r.json.object) === joinId))[0],
  `${type} of ${joinId}`);

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(`${praxis.origin}/api/v1/admin${path}`, {
    method, headers: { Authorization: `Bearer ${token}`, ...(body !== undefined ? { "Content-Type": "application/json" } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json().catch(() => null) };
}

beforeAll(async () => {
  praxis = await startPraxis({ meetings: { publishHorizonDays: HORIZON_DAYS } });
  parentServer = await startPraxis();
  peer = await startPeer({ users: ["alice", "bob", "carol"] });
  await community(praxis, "gardeners");
  group = `${praxis.origin}/c/gardeners`;
  await createAccount(praxis, { username: "root", role: "operator", password: "operator password 1" }, "test");
  token = (await createToken(praxis, "root", "test", "test")).token;
  for (const user of ["alice", "bob"]) await peer.follow(user, group);
  await waitFor(async () => (await praxis.services.repos.memberships.list(
    (await praxis.services.repos.communities.findBySlug("gardeners"))!.id, "accepted")).length === 2, "both members accepted");
});

afterAll(async () => {
  await peer?.stop();
  await praxis?.stop();
  await parentServer?.stop();
});

describe("a meeting series federated as Events", () => {
  let series: Awaited<ReturnType<typeof createMeeting>>;

  it("sends Create(Event) to the followers for each occurrence within the horizon only", async () => {
    series = await createMeeting(praxis, "gardeners", {
      title: "Seed swap", start: startIn(2), duration: 90, timezone: "Europe/Paris", repeat: "weekly",
      place: "Community hall", online: "https://meet.example/seed", capacity: 1, description: "Bring <seeds> & cuttings.",
    }, "test");
    // Weekly, endless: 2, 9, 16, 23 days ahead fall within 30 days; 30 does not (19:00 local is after now+30d at most by hours).
    const inHorizon = series.upcoming.length;
    expect(inHorizon).toBeGreaterThanOrEqual(4);
    expect(inHorizon).toBeLessThanOrEqual(5);
    await waitFor(() => peer.receivedOf("Create", (r) => r.actor === group && r.json.object?.type === "Event").length >= inHorizon * 1,
      "the Creates of the Events");
    const creates = peer.receivedOf("Create", (r) => r.actor === group && r.json.object?.type === "Event");
    // Each delivered once to the shared inbox (both members share it).
    const ids = new Set(creates.map((r) => objectOf(r.json)));
    expect([...ids].sort()).toEqual(series.upcoming.map((o) => o.id && o.url).sort());

    const event = creates.find((r) => objectOf(r.json) === series.upcoming[0].url)!.json.object;
    expect(event).toMatchObject({
      type: "Event", name: "Seed swap", attributedTo: group, audience: group, url: series.upcoming[0].url,
      timezone: "Europe/Paris", "ical:status": "CONFIRMED", maximumAttendeeCapacity: 1, participantCount: 0, isOnline: true,
      location: { type: "Place", name: "Community hall" },
    });
    expect([event.to].flat()).toContain(PUBLIC);
    expect(event.startTime).toBe(series.upcoming[0].start.replace(/\.000Z$/, "Z"));
    expect(event.content).toContain("Bring &lt;seeds&gt; &amp; cuttings.");
    expect(event.content).not.toContain("<seeds>");
    expect([event.attachment].flat()[0]).toMatchObject({ type: "Link", href: "https://meet.example/seed" });
  });

  it("publishes the next occurrences as the horizon moves (the worker's step)", async () => {
    const before = peer.receivedOf("Create", (r) => r.actor === group).length;
    const sent = await publishMeetings(praxis, new Date(Date.now() + 14 * day));
    expect(sent).toBe(2);
    await waitFor(() => peer.receivedOf("Create", (r) => r.actor === group).length >= before + 2, "two more Creates");
    // Nothing more until the horizon moves again.
    expect(await publishMeetings(praxis, new Date(Date.now() + 14 * day))).toBe(0);
  });

  it("serves each occurrence as an Event at its id, with the attendance", async () => {
    const res = await fetch(series.upcoming[0].url, { headers: { Accept: "application/activity+json" } });
    expect(res.status).toBe(200);
    const event = await res.json();
    expect(event).toMatchObject({ id: series.upcoming[0].url, type: "Event", timezone: "Europe/Paris", participantCount: 0 });
    const page = await fetch(series.upcoming[0].url, { headers: { Accept: "text/html" } });
    expect(page.status).toBe(200);
    const text = await page.text();
    expect(text).toContain("Seed swap");
    expect(text).toContain("19:00");
    const collection = await (await fetch(`${group}/events`, { headers: { Accept: "application/activity+json" } })).json();
    expect(collection.orderedItems[0].id).toBe(series.upcoming[0].url);
    const groupJson = await (await fetch(group, { headers: { Accept: "application/activity+json" } })).json();
    expect(groupJson.upcomingEvents).toBe(`${group}/events`);
  });

  it("lists upcoming meetings on the community page, in English and French, with the calendar", async () => {
    const en = await (await fetch(group, { headers: { Accept: "text/html" } })).text();
    expect(en).toContain("Upcoming meetings");
    expect(en).toContain(`href="${series.upcoming[0].url}"`);
    expect(en).toContain('href="/c/gardeners/calendar.ics"');
    expect(en).toMatch(/19:00/);
    const fr = await (await fetch(`${group}?lang=fr`, { headers: { Accept: "text/html" } })).text();
    expect(fr).toContain("Prochaines rencontres");
    expect((await fetch(`${praxis.origin}/c/nowhere/calendar.ics`)).status).toBe(404);
    expect((await fetch(`${group}/meetings/nothing-here`, { headers: { Accept: "text/html" } })).status).toBe(404);
    expect((await fetch(`${group}/meetings/nothing-here`, { headers: { Accept: "application/activity+json" } })).status).toBe(404);
  });

  it("accepts a Join, waitlists when full (Reject saying so), and gives the seat on Leave", async () => {
    const event = series.upcoming[0].url;
    const aliceJoin = await join("alice", event);
    const accept = await answerTo("Accept", aliceJoin);
    expect(innerObjectOf(accept.json) ?? accept.json.object).toBeTruthy();
    expect(accept.json.object.object ?? accept.json.object).toBe(typeof accept.json.object === "object" ? event : aliceJoin);

    const bobJoin = await join("bob", event);
    const reject = await answerTo("Reject", bobJoin);
    expect(reject.json.content).toMatch(/full.*number 1 on the waitlist/);
    let attendees = await meetingAttendees(praxis, "gardeners", series.upcoming[0].id);
    expect(attendees.map((a) => [a.actor, a.status])).toEqual([[peer.userUri("alice"), "accepted"], [peer.userUri("bob"), "waitlisted"]]);
    const served = await (await fetch(event, { headers: { Accept: "application/activity+json" } })).json();
    expect(served.participantCount).toBe(1);
    expect(served.remainingAttendeeCapacity).toBe(0);

    await leave("alice", event);
    await waitFor(() => peer.receivedOf("Accept", (r) => r.actor === group && innerObjectOf(r.json) === bobJoin)[0]
      ?? peer.receivedOf("Accept", (r) => r.actor === group && r.json.object?.id === bobJoin)[0], "bob's promotion");
    attendees = await meetingAttendees(praxis, "gardeners", series.upcoming[0].id);
    expect(attendees.map((a) => [a.actor, a.status])).toEqual([[peer.userUri("bob"), "accepted"]]);

    // More seats: the first waiting takes one and is told.
    const carolJoin = await join("carol", event);
    expect((await answerTo("Reject", carolJoin)).json.content).toMatch(/number 1 on the waitlist/);
    await updateMeeting(praxis, "gardeners", series.id, { capacity: 2 }, "test");
    await answerTo("Accept", carolJoin);
    const update = await waitFor(() => peer.receivedOf("Update", (r) => r.actor === group && objectOf(r.json) === event)[0], "the Update(Event)");
    expect(update.json.object).toMatchObject({ maximumAttendeeCapacity: 2, participantCount: 2, remainingAttendeeCapacity: 0 });
  });

  it("rejects a Join of an unknown or past meeting and stores nothing", async () => {
    const unknown = `${group}/meetings/ffffffffffff-0`;
    const unknownJoin = await join("carol", unknown);
    await answerTo("Reject", unknownJoin);

    const past = await createMeeting(praxis, "gardeners", { title: "Last week", start: startIn(-7), duration: 60 }, "test");
    const pastEvent = `${group}/meetings/${past.id}-0`;
    const pastJoin = await join("carol", pastEvent);
    const reject = await answerTo("Reject", pastJoin);
    expect(reject.json.content).toMatch(/over/);
    expect(await meetingAttendees(praxis, "gardeners", `${past.id}-0`)).toEqual([]);
    const rows = await praxis.services.db.selectFrom("meeting_attendees").selectAll().where("actor_uri", "=", peer.userUri("carol")).execute();
    expect(rows.map((r) => r.occurrence_id)).toEqual([series.upcoming[0].id]);
  });

  it("cancels one occurrence with Update(Event) ical:status CANCELLED, shown in the calendar", async () => {
    const second = series.upcoming[1];
    await cancelMeeting(praxis, "gardeners", series.id, { occurrence: second.start }, "test");
    const update = await waitFor(() => peer.receivedOf("Update", (r) => r.actor === group && objectOf(r.json) === second.url
      && r.json.object["ical:status"] === "CANCELLED")[0], "the cancelling Update(Event)");
    expect(update.json.object.name).toBe("Cancelled: Seed swap");
    expect(update.json.object.eventStatus).toBe("https://schema.org/EventCancelled");
  });

  it("serves calendar.ics that ical.js expands: the series in Europe/Paris, the cancellation present", async () => {
    await updateMeeting(praxis, "gardeners", series.id, { count: 4 }, "test");
    const res = await fetch(`${group}/calendar.ics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/calendar/);
    const text = await res.text();
    expect(text).toMatch(/BEGIN:VTIMEZONE\r?\nTZID:Europe\/Paris/);
    const vcalendar = new ICAL.Component(ICAL.parse(text));
    const vevents = vcalendar.getAllSubcomponents("vevent");
    const master = vevents.find((v) => v.getFirstPropertyValue("uid") === `${series.id}@${new URL(praxis.origin).host}` && !v.hasProperty("recurrence-id"))!;
    expect(master.getFirstPropertyValue("rrule")!.toString()).toBe("FREQ=WEEKLY;COUNT=4");
    expect(master.getFirstProperty("dtstart")!.getParameter("tzid")).toBe("Europe/Paris");
    const event = new ICAL.Event(master);
    for (const v of vevents) if (v.hasProperty("recurrence-id") && v.getFirstPropertyValue("uid") === event.uid) event.relateException(v);
    const expanded: { start: string; status: string }[] = [];
    const iterator = event.iterator();
    for (let next = iterator.next(); next && expanded.length < 10; next = iterator.next()) {
      const details = event.getOccurrenceDetails(next);
      expanded.push({ start: details.startDate.toJSDate().toISOString(), status: String(details.item.component.getFirstPropertyValue("status")) });
    }
    expect(expanded).toHaveLength(4);
    // 19:00 in Paris whatever the offset that day.
    expect(expanded.map((e) => new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Paris", hour: "2-digit", minute: "2-digit" }).format(new Date(e.start))))
      .toEqual(["19:00", "19:00", "19:00", "19:00"]);
    expect(expanded.map((e) => e.start)).toEqual(series.upcoming.slice(0, 4).map((o) => o.start.replace("Z", ".000Z")));
    expect(expanded.map((e) => e.status)).toEqual(["CONFIRMED", "CANCELLED", "CONFIRMED", "CONFIRMED"]);
  });

  it("with ?network=1 carries a parent's meeting from another Praxis server", async () => {
    const parent: Place = await community(parentServer, "city");
    const child: Place = { server: praxis, slug: "gardeners", uri: group };
    await link(parent, child);
    // A grandchild on the parent's server: city ⊃ gardeners ⊃ plot, across two servers.
    const plot: Place = await community(parentServer, "plot");
    await link(child, plot);
    const cityMeeting = await createMeeting(parentServer, "city", {
      title: "City assembly", start: startIn(5), duration: 120, timezone: "America/New_York", place: "Town hall",
    }, "test");
    const cityEvent = cityMeeting.upcoming[0].url;
    const gardeners = (await praxis.services.repos.communities.findBySlug("gardeners"))!;
    await waitFor(() => praxis.services.repos.meetings.networkEvent(gardeners.id, cityEvent), "the parent's Event to reach the child");
    // Relayed to the child's followers like the parent's posts.
    await waitFor(() => peer.receivedOf("Announce", (r) => r.actor === group && objectOf(r.json) === cityEvent)[0], "the child's boost of the Event");

    // Two links down, through the child's boost.
    const plotRow = (await parentServer.services.repos.communities.findBySlug("plot"))!;
    await waitFor(() => parentServer.services.repos.meetings.networkEvent(plotRow.id, cityEvent), "the grandparent's Event to reach the grandchild");
    const plotIcs = await (await fetch(`${plot.uri}/calendar.ics?network=1`)).text();
    expect(plotIcs).toContain("SUMMARY:City assembly");

    const plain = await (await fetch(`${group}/calendar.ics`)).text();
    expect(plain).not.toContain("City assembly");
    const network = new ICAL.Component(ICAL.parse(await (await fetch(`${group}/calendar.ics?network=1`)).text()));
    const city = network.getAllSubcomponents("vevent").find((v) => v.getFirstPropertyValue("uid") === cityEvent)!;
    expect(city.getFirstPropertyValue("summary")).toBe("City assembly");
    expect(city.getFirstProperty("dtstart")!.getParameter("tzid")).toBe("America/New_York");
    expect((city.getFirstPropertyValue("dtstart") as ICAL.Time).toJSDate().toISOString()).toBe(cityMeeting.upcoming[0].start.replace("Z", ".000Z"));

    // The parent cancels: the child's copy follows (Update(Event)).
    await cancelMeeting(parentServer, "city", cityMeeting.id, {}, "test");
    await waitFor(async () => (await praxis.services.repos.meetings.networkEvent(gardeners.id, cityEvent))?.status === "cancelled", "the cancellation to cascade");
    expect(await (await fetch(`${group}/calendar.ics?network=1`)).text()).toMatch(/SUMMARY:Cancelled: City assembly[\s\S]*?STATUS:CANCELLED|STATUS:CANCELLED[\s\S]*?SUMMARY:Cancelled: City assembly/);
  });
});

describe("Mobilizon-shaped RSVPs", () => {
  it("answers a Mobilizon Join (participationMessage) with Accept to its inbox, and honours its Leave", async () => {
    const mobilizon = await startRawHost("127.0.0.5");
    try {
      const person = await mobilizon.actor("maria");
      const m = await createMeeting(praxis, "gardeners", { title: "Repair café", start: startIn(8), duration: 120, timezone: "Europe/Paris" }, "test");
      const event = m.upcoming[0].url;
      const uuid = crypto.randomUUID();
      const vars = { origin: mobilizon.origin, uuid, actor: person.id, event, group };
      const res = await mobilizon.send(`${praxis.origin}/inbox`, fixture("mobilizon-join-event", vars), person);
      expect(res.status).toBeLessThan(300);
      const accept = await waitFor(() => mobilizon.inboxPosts((r) => r.json?.type === "Accept")[0], "the Accept at Mobilizon");
      expect(accept.json).toMatchObject({ actor: group, object: { type: "Join", id: `${mobilizon.origin}/join/event/${uuid}`, object: event } });
      expect((await meetingAttendees(praxis, "gardeners", m.upcoming[0].id)).map((a) => a.actor)).toEqual([person.id]);
      await mobilizon.send(`${praxis.origin}/inbox`, fixture("mobilizon-leave-event", vars), person);
      await waitFor(async () => (await meetingAttendees(praxis, "gardeners", m.upcoming[0].id)).length === 0, "the Leave");
    } finally {
      await mobilizon.stop();
    }
  });
});

describe("a closed community's meetings", () => {
  it("are for members: served to signed members only, a non-member's Join rejected", async () => {
    await community(praxis, "council", { closed: true });
    const council = `${praxis.origin}/c/council`;
    const m = await createMeeting(praxis, "council", { title: "Budget", start: startIn(4), duration: 60 }, "test");
    const event = m.upcoming[0].url;
    expect((await fetch(event, { headers: { Accept: "application/activity+json" } })).status).not.toBe(200);
    const id = new URL(`/users/carol/joins/${crypto.randomUUID()}`, peer.origin);
    await peer.send("carol", new Join({ id, actor: new URL(peer.userUri("carol")), object: new URL(event) }), [council]);
    const reject = await waitFor(() => peer.receivedOf("Reject", (r) => r.actor === council && r.json.object?.id === id.href)[0], "the Reject");
    expect(reject.json.content).toMatch(/members/);
    expect(await meetingAttendees(praxis, "council", m.upcoming[0].id)).toEqual([]);
  });
});

describe("the console", () => {
  it("lets a facilitator schedule and cancel a meeting, naming a bad field", async () => {
    const login = await praxis.web.request(new URL("/login", praxis.origin).href, {
      method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: praxis.origin },
      body: new URLSearchParams({ username: "root", password: "operator password 1" }).toString(),
    });
    expect(login.status).toBe(303);
    const cookie = login.headers.get("set-cookie")!.split(";")[0];
    const page = async () => praxis.web.request(new URL("/console/c/gardeners/meetings", praxis.origin).href, { headers: { Cookie: cookie, Accept: "text/html" } });
    const first = await page();
    expect(first.status).toBe(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await first.text())![1];
    const post = (path: string, fields: Record<string, string>) => praxis.web.request(new URL(path, praxis.origin).href, {
      method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: praxis.origin, Cookie: cookie },
      body: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
    });
    const bad = await post("/console/c/gardeners/meetings/create", { title: "Walk", start: startIn(6), duration: "60", timezone: "Nowhere/Land" });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/aria-invalid="true"[^>]*>|unknown time zone/);
    const ok = await post("/console/c/gardeners/meetings/create", { title: "Garden walk", start: startIn(6), duration: "60", timezone: "Europe/Paris", repeat: "" });
    expect(ok.status).toBe(303);
    const listed = await (await page()).text();
    expect(listed).toContain("Garden walk");
    const gardeners = (await praxis.services.repos.communities.findBySlug("gardeners"))!;
    const walk = (await praxis.services.repos.meetings.list(gardeners.id)).find((m) => m.title === "Garden walk")!;
    expect((await post("/console/c/gardeners/meetings/cancel", { id: walk.id })).status).toBe(303);
    expect((await praxis.services.repos.meetings.get(walk.id))!.status).toBe("cancelled");
  });
});

describe("admin API", () => {
  it("creates, lists and cancels meetings", async () => {
    const created = await api("POST", "/communities/gardeners/meetings", { title: "Compost clinic", start: startIn(3), duration: "45", timezone: "Europe/London" });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ id: expect.stringMatching(/^[0-9a-f]{12}$/), url: `${group}/meetings/${created.json.id}-0` });
    const list = await api("GET", "/communities/gardeners/meetings");
    expect(list.json.occurrences.map((o: any) => o.meeting)).toContain(created.json.id);
    const cancelled = await api("POST", `/communities/gardeners/meetings/${created.json.id}/cancel`, {});
    expect(cancelled.json.status).toBe("cancelled");
    expect((await api("GET", `/communities/gardeners/meetings/${created.json.id}/attendees`)).json).toEqual({ attendees: [] });
  });

  it("answers 404 for an unknown community or meeting and 400 naming the field", async () => {
    expect((await api("GET", "/communities/nowhere/meetings")).status).toBe(404);
    expect((await api("GET", "/communities/gardeners/meetings/0123456789ab")).status).toBe(404);
    expect((await api("PATCH", "/communities/gardeners/meetings/0123456789ab-3", { title: "x" })).status).toBe(404);
    const base = { title: "Bad", start: startIn(3), duration: 60 };
    const cases: [Record<string, unknown>, string][] = [
      [{ start: "tomorrow" }, "start"],
      [{ timezone: "Mars/Olympus" }, "timezone"],
      [{ repeat: "daily" }, "repeat"],
      [{ online: "ftp://files.example/x" }, "online"],
      [{ capacity: -1 }, "capacity"],
      [{ duration: 0 }, "duration"],
      [{ repeat: "weekly", until: "not a date" }, "until"],
      [{ colour: "green" }, "colour"],
    ];
    for (const [change, field] of cases) {
      const r = await api("POST", "/communities/gardeners/meetings", { ...base, ...change });
      expect(r.status, JSON.stringify(change)).toBe(400);
      expect(r.json.field, JSON.stringify(change)).toBe(field);
    }
    const missing = await api("POST", "/communities/gardeners/meetings", { title: "No start", duration: 60 });
    expect(missing.status).toBe(400);
    expect(missing.json.field).toBe("start");
  });
});
