// A community's meetings over the admin API: the same operations as
// `praxis meeting …` (src/operations/meetings.ts). Operators reach every
// community, moderators those they moderate.
import { Hono } from "hono";
import { z } from "zod";
import {
  cancelMeeting, createMeeting, getMeeting, listMeetings, type MeetingInput, meetingAttendees, updateMeeting,
} from "../../operations/meetings.ts";
import { type AdminEnv, caller, communityInScope, jsonBody } from "./support.ts";

const text = (max: number) => z.string().max(max);
const whole = z.union([z.number(), z.string().max(20)]);
const fields = {
  title: text(1000),
  start: text(100),
  duration: whole,
  timezone: text(100),
  repeat: text(40).nullable(),
  count: whole.nullable(),
  until: text(100).nullable(),
  online: text(4000).nullable(),
  place: text(2000).nullable(),
  description: text(20_000).nullable(),
  capacity: whole.nullable(),
};
const createBody = z.strictObject({
  ...fields,
  title: z.string({ error: "required: what the meeting is" }).max(1000),
  start: z.string({ error: "required: an ISO 8601 date-time" }).max(100),
  duration: z.union([z.number(), z.string().max(20)], { error: "required: minutes" }),
}).partial({ timezone: true, repeat: true, count: true, until: true, online: true, place: true, description: true, capacity: true });
const updateBody = z.strictObject(fields).partial();
const cancelBody = z.strictObject({ occurrence: text(100).optional() });

const input = (body: Record<string, unknown>): MeetingInput => body as MeetingInput;

export function meetingsRouter(): Hono<AdminEnv> {
  const r = new Hono<AdminEnv>();

  r.get("/:slug/meetings", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    return c.json({ occurrences: await listMeetings(c.get("ops"), community.slug) });
  });

  r.post("/:slug/meetings", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    const body = await jsonBody(c, createBody);
    return c.json(await createMeeting(c.get("ops"), community.slug, input(body), caller(c)), 201);
  });

  r.get("/:slug/meetings/:id", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    return c.json(await getMeeting(c.get("ops"), community.slug, c.req.param("id")));
  });

  r.patch("/:slug/meetings/:id", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    const body = await jsonBody(c, updateBody);
    return c.json(await updateMeeting(c.get("ops"), community.slug, c.req.param("id"), input(body), caller(c)));
  });

  r.post("/:slug/meetings/:id/cancel", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    const { occurrence } = await jsonBody(c, cancelBody);
    return c.json(await cancelMeeting(c.get("ops"), community.slug, c.req.param("id"), { occurrence }, caller(c)));
  });

  r.get("/:slug/meetings/:id/attendees", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    return c.json({ attendees: await meetingAttendees(c.get("ops"), community.slug, c.req.param("id")) });
  });
  return r;
}
