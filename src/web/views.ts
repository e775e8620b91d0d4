// Plain data the pages render. Routes build these from the repositories;
// pages never touch the database.
import type { Attachment } from "../domain/media.ts";
import type { NetworkGraph } from "./network-graph.ts";
import type { ResourceCard } from "./pages/resources.ts";

export type Lang = "en" | "fr";

export interface InstanceView {
  name: string;
  /** In the page's language when the operator wrote one, else the default. */
  description: string;
  /** The description's language, when it is not the page's. */
  descriptionLang?: string;
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
  /** Praxis's id of the post (its thread page is /c/<slug>/posts/<id>). */
  id?: string;
  /** The post's page on Praxis. */
  permalink?: string;
  objectUri: string;
  /** The ActivityStreams type: Note, Article, Page, Question, Video, Audio, Event. */
  type: string;
  /** `sensitive` as the sender set it (null: not said). */
  sensitive: boolean | null;
  /** Link to the original post on its server (object url, else id). */
  url: string;
  authorUri: string;
  authorName: string | null;
  authorHandle: string | null;
  /** Remote, untrusted HTML: must be sanitised before rendering. */
  contentHtml: string | null;
  /** Title (Lemmy Page/Article `name`), plain text. */
  name: string | null;
  /** Remote `summary`, text or HTML: a content warning or an excerpt (domain/posts.ts). */
  summary: string | null;
  /** Events: when (ISO 8601) and where (the place's name, plain text). */
  startsAt: string | null;
  endsAt: string | null;
  location: string | null;
  published: string;
  inReplyTo: string | null;
  /** Pinned by a moderator (listed in `featured`). */
  pinned: boolean;
  /** Locked: no new replies. */
  locked: boolean;
  /** The community's practice status for it (src/domain/practice.ts), if marked. */
  practiceStatus?: string | null;
  /** Where "Reply to…" leads: the parent's page here, else the original. */
  inReplyToLink?: string | null;
  /** BCP 47 tag of the content, when known. */
  language?: string | null;
  attachments?: Attachment[];
  replyCount?: number;
  likeCount?: number;
  /** In a thread: removed by a moderator, or deleted by its author (shown as a placeholder). */
  gone?: "removed" | "deleted" | null;
}

/** A post in a thread, with the replies under it. */
export interface ThreadNode {
  post: PostView;
  replies: ThreadNode[];
}

/** Older/newer links and the sort of a community's list of posts. */
export interface Paging {
  sort: "new" | "active";
  /** Addresses of the neighbouring pages, null at either end. */
  older: string | null;
  newer: string | null;
  /** Addresses of the first page in each sort. */
  sortLinks: Record<"new" | "active", string>;
}

export interface HomeView {
  instance: InstanceView;
  communities: CommunitySummaryView[];
  url?: URL;
}

export interface CommunityView {
  instance: InstanceView;
  community: CommunitySummaryView & {
    postingPolicy: "members" | "anyone"; announcementOnly: boolean; createdAt: string;
    rules?: string[];
    moderators?: { name: string; url: string | null }[];
  };
  posts: PostView[];
  /** Pinned threads, shown above the others on the first page. */
  pinned?: PostView[];
  paging?: Paging;
  /** False when the visitor may not read the posts (see visibility.ts). */
  contentVisible?: boolean;
  /** The page's address, for language links and the follow form. */
  url?: URL;
  /** What its parent communities shared that it cascaded. */
  fromParents?: NetworkPostView[];
  /** The community's place in the fractal network (verified links only). */
  network?: NetworkGraph;
  /** Posts rolled up from its sub-communities, newest first. */
  fromSubcommunities?: NetworkPostView[];
  /** Its upcoming meetings (absent when the visitor may not see them). */
  meetings?: import("./pages/meetings.ts").MeetingItemView[];
  /** Its resource centre, newest first (absent when the visitor may not read it). */
  resources?: ResourceCard[];
  /** Goal, end date, cap and deliverables; its working groups' deliverables. */
  workingGroup?: import("./pages/working-groups.ts").WorkingGroupView;
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
  language?: string | null;
  attachments?: Attachment[];
}

export interface ErrorView {
  instance: InstanceView;
  status: number;
  /** Optional detail, plain text. */
  detail?: string;
}
