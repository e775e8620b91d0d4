// What a post carries besides its text: attached images, video, audio and
// files (Mastodon's Document/Image, Lemmy's Link, PeerTube's Video…), and
// the language its content is written in. Read from what the activity
// embeds, never fetched: an attachment given only by id is kept as a link.
import { Audio, Document, Image, Link, type Object as APObject, PropertyValue, Video } from "@fedify/vocab";
import { type Attachment, type AttachmentKind, httpHref } from "../domain/media.ts";
import { embeddedOnly } from "./objects.ts";

/** At most this many attachments are kept per post (Mastodon allows 4, Pixelfed 20). */
export const MAX_ATTACHMENTS = 20;
const MAX_DESCRIPTION = 1500;
const LANGUAGE_TAG = /^[a-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$/;


function kindOf(type: "image" | "video" | "audio" | "document" | "link", mediaType: string | null): AttachmentKind {
  const major = mediaType?.split("/")[0]?.toLowerCase();
  if (major === "image" || major === "video" || major === "audio") return major;
  if (type === "document") return "file";
  return type;
}

function dimension(n: number | null | undefined): number | null {
  return typeof n === "number" && Number.isInteger(n) && n > 0 && n < 100_000 ? n : null;
}

function text(value: unknown): string | null {
  const s = value?.toString().trim();
  return s ? s.slice(0, MAX_DESCRIPTION) : null;
}

/** The first http(s) URL of an object's `url` (a URL or a Link). */
function objectUrl(o: APObject): { href: string | null; mediaType: string | null } {
  for (const u of o.urls) {
    const href = httpHref(u instanceof URL ? u : u.href);
    if (href) return { href, mediaType: u instanceof Link ? u.mediaType : null };
  }
  return { href: null, mediaType: null };
}

function fromItem(item: APObject | Link | PropertyValue): Attachment | null {
  // PropertyValue is a profile field, not an attachment.
  if (item instanceof PropertyValue) return null;
  if (item instanceof Link) {
    const url = httpHref(item.href);
    if (!url) return null;
    return {
      kind: kindOf("link", item.mediaType), url, mediaType: item.mediaType, description: text(item.name),
      width: dimension(item.width), height: dimension(item.height),
    };
  }
  const { href, mediaType: linkType } = objectUrl(item);
  if (!href) return null;
  const mediaType = item.mediaType ?? linkType;
  const type = item instanceof Image ? "image" : item instanceof Video ? "video" : item instanceof Audio ? "audio"
    : item instanceof Document ? "document" : "link";
  const doc = item instanceof Document ? item : null;
  return {
    kind: kindOf(type, mediaType), url: href, mediaType, description: text(item.name ?? item.summary),
    width: dimension(doc?.width), height: dimension(doc?.height),
  };
}

/** A post's attachments, as embedded in the object; ids alone become links. */
export async function attachmentsOf(object: APObject): Promise<Attachment[]> {
  const out: Attachment[] = [];
  const embedded = new Set<string>();
  // Only what the activity embeds is read.
  for await (const item of object.getAttachments({ documentLoader: embeddedOnly, contextLoader: embeddedOnly, suppressError: true })) {
    if (out.length >= MAX_ATTACHMENTS) break;
    const a = fromItem(item);
    if (a) out.push(a);
    const id = item instanceof Link ? null : item.id;
    if (id) embedded.add(id.href);
  }
  for (const id of object.attachmentIds) {
    if (out.length >= MAX_ATTACHMENTS || embedded.has(id.href) || out.some((a) => a.url === id.href)) continue;
    const url = httpHref(id);
    if (url) out.push({ kind: "link", url, mediaType: null, description: null, width: null, height: null });
  }
  return out;
}

/** The language of the object's content (its contentMap key), if it says. */
export function languageOf(object: APObject): string | null {
  for (const c of object.contents) {
    if (typeof c === "string") continue;
    const tag = c.locale?.baseName ?? null;
    if (tag && LANGUAGE_TAG.test(tag)) return tag;
  }
  return null;
}


/** Attachments and language together, as the post repositories store them. */
export async function mediaOf(object: APObject): Promise<{ attachments: Attachment[]; language: string | null }> {
  return { attachments: await attachmentsOf(object), language: languageOf(object) };
}
