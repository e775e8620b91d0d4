// Meetings on PostgreSQL: the seat decision under concurrent Joins (the
// occurrence row is locked), the waitlist's promotion, and the calendar.
import ICAL from "ical.js";
import { Join, Leave } from "@fedify/vocab";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMeeting, meetingAttendees } from "../../src/operations/meetings.ts";
import { postgresUnavailable } from "../db/databases.ts";
import { waitFor } from "../support/net.ts";
import { community } from "../support/network.ts";
import { type Peer, startPeer } from "../support/peer.ts";
import { createThrowawaySchema, type ThrowawaySchema } from "../support/postgres.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";

describe.skipIf(postgresUnavailable !== undefined)("meetings on PostgreSQL", () => {
  let praxis: TestPraxis;
  let peer: Peer;
  let schema: ThrowawaySchema;
  const users = ["alice", "bob", "carol", "dave"];

  beforeAll(async () => {
    schema = await createThrowawaySchema("meet");
    praxis = await startPraxis({ database: { driver: "postgres", url: schema.url, poolSize: 5 } });
    peer = await startPeer({ users });
  });

  afterAll(async () => {
    await peer?.stop();
    await praxis?.stop();
    await schema?.drop();
  });

  it("never gives more seats than the capacity to concurrent Joins, and promotes in order", async () => {
    const place = await community(praxis, "makers");
    const start = `${new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10)}T18:00`;
    const m = await createMeeting(praxis, "makers", { title: "Repair café", start, duration: 120, timezone: "Europe/Berlin", repeat: "monthly", count: 3, capacity: 2 }, "test");
    const event = m.upcoming[0].url;
    const joins = new Map<string, string>();
    await Promise.all(users.map(async (u) => {
      const id = new URL(`/users/${u}/joins/${crypto.randomUUID()}`, peer.origin);
      joins.set(u, id.href);
      await peer.send(u, new Join({ id, actor: new URL(peer.userUri(u)), object: new URL(event) }), [place.uri]);
    }));
    const answered = () => peer.received.filter((r) => (r.type === "Accept" || r.type === "Reject") && r.actor === place.uri);
    await waitFor(() => answered().length >= 4, "four answers");
    expect(answered().filter((r) => r.type === "Accept")).toHaveLength(2);
    const attendees = await meetingAttendees(praxis, "makers", m.upcoming[0].id);
    const seated = attendees.filter((a) => a.status === "accepted").map((a) => a.actor);
    const waiting = attendees.filter((a) => a.status === "waitlisted").map((a) => a.actor);
    expect(seated).toHaveLength(2);
    expect(waiting).toHaveLength(2);

    const leaver = seated[0].split("/").pop()!;
    await peer.send(leaver, new Leave({ id: new URL(`/users/${leaver}/leaves/1`, peer.origin), actor: new URL(seated[0]), object: new URL(event) }), [place.uri]);
    const next = waiting[0].split("/").pop()!;
    await waitFor(() => peer.receivedOf("Accept", (r) => r.json.object?.id === joins.get(next))[0], "the first waiting to be seated");
    const after = await meetingAttendees(praxis, "makers", m.upcoming[0].id);
    expect(after.filter((a) => a.status === "accepted").map((a) => a.actor).sort()).toEqual([seated[1], waiting[0]].sort());

    const ics = new ICAL.Component(ICAL.parse(await (await fetch(`${place.uri}/calendar.ics`)).text()));
    expect(ics.getFirstSubcomponent("vevent")!.getFirstPropertyValue("rrule")!.toString()).toBe("FREQ=MONTHLY;COUNT=3");
  });
});
