// What Praxis treats as a post, and how it reads one, wherever it arrives
// (posted into a community, or announced along a network link).
import { Article, Note, type Object as APObject, Page, Question } from "@fedify/vocab";

export type PostObject = Note | Article | Page | Question;

export function isPostObject(o: unknown): o is PostObject {
  return o instanceof Note || o instanceof Article || o instanceof Page || o instanceof Question;
}

/** The object's human-facing URL, if it has one. */
export function urlOf(o: APObject): string | null {
  const u = o.url;
  return u instanceof URL ? u.href : u?.href?.href ?? null;
}
