// Kysely table types of the meetings (migrations/0012_meetings.ts), kept
// apart from schema.ts so that parallel branches merge cleanly.
import type { Selectable } from "kysely";

export interface MeetingsTable {
  id: string;
  community_id: string;
  title: string;
  description: string;
  start_local: string;
  timezone: string;
  duration_minutes: number;
  repeat: "weekly" | "biweekly" | "monthly" | "quarterly" | null;
  count: number | null;
  until: string | null;
  online_url: string | null;
  place: string | null;
  capacity: number | null;
  status: "scheduled" | "cancelled";
  next_index: number;
  created_at: string;
  updated_at: string;
}

export interface MeetingOccurrencesTable {
  id: string;
  meeting_id: string;
  community_id: string;
  idx: number;
  starts_at: string;
  ends_at: string;
  status: "scheduled" | "cancelled";
  published: number;
  version: number;
  updated_at: string;
}

export interface MeetingAttendeesTable {
  occurrence_id: string;
  actor_uri: string;
  status: "accepted" | "waitlisted" | "tentative";
  activity_uri: string | null;
  created_at: string;
}

export interface NetworkEventsTable {
  community_id: string;
  object_uri: string;
  via_uri: string;
  name: string;
  content: string | null;
  url: string | null;
  starts_at: string;
  ends_at: string | null;
  timezone: string | null;
  location: string | null;
  online_url: string | null;
  status: "scheduled" | "cancelled";
  received_at: string;
}

export type MeetingRow = Selectable<MeetingsTable>;
export type OccurrenceRow = Selectable<MeetingOccurrencesTable>;
export type AttendeeRow = Selectable<MeetingAttendeesTable>;
export type NetworkEventRow = Selectable<NetworkEventsTable>;
