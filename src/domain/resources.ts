// Rules of the resource centre: what a resource's fields may be. Pure
// functions; rendering Markdown lives in src/web/markdown.ts.
import { ValidationError } from "./community.ts";

export const RESOURCE_KINDS = ["tool", "protocol", "report", "template", "other"] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

/** The languages a resource may be written in (the pages' languages). */
export const RESOURCE_LANGUAGES = ["en", "fr"] as const;

export const MAX_TITLE_LENGTH = 200;
/** Markdown source, in characters. */
export const MAX_SOURCE_LENGTH = 100_000;
export const MAX_URL_LENGTH = 2048;

export function parseKind(value: string): ResourceKind {
  if (!(RESOURCE_KINDS as readonly string[]).includes(value)) {
    throw new ValidationError("kind", `"${value}" is not one of ${RESOURCE_KINDS.join(", ")}`);
  }
  return value as ResourceKind;
}

export function parseResourceLanguage(value: string): string {
  if (!(RESOURCE_LANGUAGES as readonly string[]).includes(value)) {
    throw new ValidationError("language", `"${value}" is not one of ${RESOURCE_LANGUAGES.join(", ")}`);
  }
  return value;
}

export function validateTitle(value: string): string {
  const title = value.replace(/\s+/g, " ").trim();
  if (title.length === 0) throw new ValidationError("title", "must not be empty");
  if (title.length > MAX_TITLE_LENGTH) throw new ValidationError("title", `must be at most ${MAX_TITLE_LENGTH} characters`);
  return title;
}

/** An absolute http(s) URL with a host, no credentials. */
export function validateResourceUrl(value: string): string {
  const v = value.trim();
  if (v.length > MAX_URL_LENGTH) throw new ValidationError("url", `must be at most ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new ValidationError("url", `"${value}" is not an absolute URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new ValidationError("url", `"${value}" is not an http or https URL`);
  if (!url.hostname) throw new ValidationError("url", `"${value}" has no host`);
  if (url.username || url.password) throw new ValidationError("url", "must not carry a user name or password");
  return url.href;
}

export function validateSource(value: string): string {
  if (value.trim().length === 0) throw new ValidationError("file", "the Markdown file is empty");
  if (value.length > MAX_SOURCE_LENGTH) throw new ValidationError("file", `the Markdown is longer than ${MAX_SOURCE_LENGTH} characters`);
  return value;
}
