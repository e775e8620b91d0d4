// What Praxis treats as a post, and how it reads one, wherever it arrives
// (posted into a community, or announced along a network link). The types
// are those threadiverse software accepts as posts: Lemmy takes Page,
// Article, Note, Video and Event; NodeBB takes Video; Mastodon polls are
// Questions; Funkwhale and Castopod publish Audio.
import {
  Article, Audio, Event, Link, Note, Object as APObject, Page, Question, Video,
} from "@fedify/vocab";
import { isoOf } from "./time.ts";

export type PostObject = Note | Article | Page | Question | Video | Audio | Event;

export function isPostObject(o: unknown): o is PostObject {
  return o instanceof Note || o instanceof Article || o instanceof Page || o instanceof Question ||
    o instanceof Video || o instanceof Audio || o instanceof Event;
}

/** The type name to store and log ("Note", "Video"…); Fedify's class names are the AS type names. */
export function typeOf(o: unknown): string {
  if (o === null || o === undefined) return "nothing";
  if (o instanceof URL) return "a bare id";
  return (o as object).constructor?.name?.replace(/\$\d+$/, "") ?? typeof o;
}

/**
 * The object's human-facing URL, if it has one: a `text/html` link when it
 * lists several (PeerTube and Funkwhale list the page, then the media
 * files), else the first URL.
 */
export function urlOf(o: APObject): string | null {
  const urls = o.urls;
  const html = urls.find((u) => u instanceof Link && u.href && /^text\/html\b/.test(u.mediaType ?? ""));
  const first = html ?? urls[0];
  if (first === undefined) return null;
  return first instanceof URL ? first.href : first.href?.href ?? null;
}

/** What Praxis stores of a post, read from its object. */
export interface PostFields {
  name: string | null;
  summary: string | null;
  content: string | null;
  url: string | null;
  /** `sensitive` as the sender set it; null when absent. */
  sensitive: boolean | null;
  /** For events: ISO 8601 instants and the place's name. */
  startsAt: string | null;
  endsAt: string | null;
  location: string | null;
}

/**
 * A document loader that fetches nothing, for reading only what an object
 * embeds; its callers catch the refusal (or suppress it). The refusal is
 * made once: building an Error's stack costs more than the rest of the read.
 */
const NOT_EMBEDDED = new Error("Not fetched: only what the object embeds is read");
export const embeddedOnly = (): Promise<never> => Promise.reject(NOT_EMBEDDED);

export async function postFields(o: PostObject): Promise<PostFields> {
  const isEvent = o instanceof Event;
  let location: string | null = null;
  if (isEvent) {
    const place = await o.getLocation({ documentLoader: embeddedOnly, contextLoader: embeddedOnly, suppressError: true }).catch(() => null);
    location = place instanceof APObject ? place.name?.toString() ?? null : null;
  }
  return {
    name: o.name?.toString() ?? null,
    summary: o.summary?.toString() ?? null,
    content: o.content?.toString() ?? null,
    url: urlOf(o),
    sensitive: o.sensitive ?? null,
    startsAt: isEvent ? isoOf(o.startTime) : null,
    endsAt: isEvent ? isoOf(o.endTime) : null,
    location,
  };
}
