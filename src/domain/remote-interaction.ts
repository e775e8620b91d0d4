// Following or answering from one's own server: a visitor gives their handle
// (@you@example.social) or their server (example.social, or its address);
// they are sent to that server's interaction page with the community's or
// the post's id, the address Mastodon and Lemmy accept
// (/authorize_interaction?uri=…).
import { ValidationError } from "./community.ts";

/** The visitor's server origin from a handle, a host or an address. */
export function visitorServer(input: string): URL {
  const value = input.trim().replace(/^acct:/i, "");
  if (value.length === 0 || value.length > 300 || /\s/.test(value)) {
    throw new ValidationError("account", "expected a handle such as @you@example.social or a server such as example.social");
  }
  let candidate: string;
  const handle = /^@?[^@/:]+@([^@/\s]+)$/.exec(value);
  if (handle) candidate = `https://${handle[1]}`;
  else if (/^https?:\/\//i.test(value)) candidate = value;
  else if (!value.includes("@")) candidate = `https://${value}`;
  else throw new ValidationError("account", "expected a handle such as @you@example.social or a server such as example.social");
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    throw new ValidationError("account", "expected a handle such as @you@example.social or a server such as example.social");
  }
  // A bare host name with a dot (or an address), nothing else in the URL.
  if (url.username || url.password || !/^(?:[a-z0-9-]+\.)+[a-z0-9-]+$|^\[[0-9a-f:.]+\]$|^\d+\.\d+\.\d+\.\d+$/i.test(url.hostname)) {
    throw new ValidationError("account", "expected a handle such as @you@example.social or a server such as example.social");
  }
  return new URL(url.origin);
}

/** Where to send the visitor: their server's interaction page for `uri`. */
export function interactionUrl(server: URL, uri: string): string {
  const target = new URL("/authorize_interaction", server);
  target.searchParams.set("uri", uri);
  return target.href;
}
