// A post's media as Praxis keeps it: what is attached (images with their
// alt text, video, audio, files, links). Pure data and rules; reading them
// from ActivityPub objects is src/federation/attachments.ts.

export type AttachmentKind = "image" | "video" | "audio" | "file" | "link";

export interface Attachment {
  kind: AttachmentKind;
  /** http(s) URL of the media or page. */
  url: string;
  mediaType: string | null;
  /** Alt text (images) or title, plain text; null when the author gave none. */
  description: string | null;
  width: number | null;
  height: number | null;
}

/** `value` as an absolute http(s) URL, else null. */
export function httpHref(value: URL | string | null | undefined): string | null {
  if (!value) return null;
  const href = value instanceof URL ? value.href : value;
  if (!URL.canParse(href)) return null;
  const { protocol } = new URL(href);
  return protocol === "https:" || protocol === "http:" ? new URL(href).href : null;
}

/** Stored attachments, tolerant of anything unexpected in the column. */
export function parseAttachments(json: string | null | undefined): Attachment[] {
  if (!json) return [];
  try {
    const v: unknown = JSON.parse(json);
    if (!Array.isArray(v)) return [];
    return v.filter((a): a is Attachment => typeof a === "object" && a !== null && typeof (a as Attachment).url === "string"
      && httpHref((a as Attachment).url) !== null);
  } catch {
    return [];
  }
}
