// Plain data the pages render. Routes build these from the repositories;
// pages never touch the database.
import type { NetworkGraph } from "./network-graph.ts";

export type Lang = "en" | "fr";

export interface InstanceView {
  name: string;
  description: string;
  /** e.g. https://cop.example */
  origin: string;
  /** e.g. cop.example (the part after the @ in handles) */
  host: string;
}

export interface CommunitySummaryView {
  slug: string;
  name: string;
  /** Plain text written by the operator (not HTML). */
  summary: string;
  scale: "local" | "regional" | "national" | "international";
  stream: "learn" | "share" | "build" | null;
  languages: string[];
  closed: boolean;
  memberCount: number;
  /** The community's actor URL, which is also its web page. */
  url: string;
  /** e.g. @slug@cop.example */
  handle: string;
}

export interface PostView {
  objectUri: string;
  /** Link to the original post on its server (object url, else id). */
  url: string;
  authorUri: string;
  authorName: string | null;
  authorHandle: string | null;
  /** Remote, untrusted HTML: must be sanitised before rendering. */
  contentHtml: string | null;
  /** Title (Lemmy Page/Article `name`), plain text. */
  name: string | null;
  /** Content warning / summary, plain text. */
  summary: string | null;
  published: string;
  inReplyTo: string | null;
  /** Pinned by a moderator (listed in `featured`). */
  pinned: boolean;
  /** Locked: no new replies. */
  locked: boolean;
}

export interface HomeView {
  instance: InstanceView;
  communities: CommunitySummaryView[];
}

export interface CommunityView {
  instance: InstanceView;
  community: CommunitySummaryView & { postingPolicy: "members" | "anyone"; announcementOnly: boolean; createdAt: string };
  posts: PostView[];
  /** The community's place in the fractal network (verified links only). */
  network?: NetworkGraph;
  /** Posts rolled up from its sub-communities, newest first. */
  fromSubcommunities?: NetworkPostView[];
  /**
   * A closed community: its posts are for its members, so the page shows a
   * notice in their place (and `posts` and `fromSubcommunities` are empty).
   */
  membersOnly?: boolean;
}

/** A post that reached a community from one of its sub-communities. */
export interface NetworkPostView {
  objectUri: string;
  /** Link to the original post (object url, else id). */
  url: string;
  /** The sub-community it came through. */
  via: { uri: string; name: string | null; url: string | null };
  authorUri: string | null;
  authorName: string | null;
  authorHandle: string | null;
  /** Remote, untrusted HTML: must be sanitised before rendering. */
  contentHtml: string | null;
  name: string | null;
  /** Published, else received, date. */
  published: string;
  /** A moderator promoted it to the community's followers. */
  promoted: boolean;
}

export interface ErrorView {
  instance: InstanceView;
  status: number;
  /** Optional detail, plain text. */
  detail?: string;
}
