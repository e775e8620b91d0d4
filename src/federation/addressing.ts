// Reads the addressing of Fedify vocabulary objects into the plain shape the
// domain rules use, and tells which URIs are local communities.
import type { Context } from "@fedify/fedify";
import { type Activity, Mention, type Object as APObject } from "@fedify/vocab";
import { type Addressing, type LocalTarget, type Visibility, visibilityOf, visibilityOfWrapped } from "../domain/addressing.ts";
import type { Community } from "../domain/community.ts";
import type { AppServices } from "../services.ts";
import { isLocalUri } from "./origin.ts";

function hrefs(urls: readonly URL[]): string[] {
  return urls.map((u) => u.href);
}

/**
 * The union of an activity's and its object's addressing, plus mentions:
 * where a post is going (its home community). Never who may see it; that is
 * `visibilityOfActivity`.
 */
export async function addressingOf(activity: Activity, object: APObject | null): Promise<Addressing> {
  const mentions: string[] = [];
  if (object) {
    for await (const tag of object.getTags({ suppressError: true })) {
      if (tag instanceof Mention && tag.href) mentions.push(tag.href.href);
    }
  }
  const both = object ? [activity, object] : [activity];
  return {
    to: both.flatMap((o) => hrefs(o.toIds)),
    cc: both.flatMap((o) => hrefs(o.ccIds)),
    bto: both.flatMap((o) => hrefs(o.btoIds)),
    bcc: both.flatMap((o) => hrefs(o.bccIds)),
    audience: both.flatMap((o) => hrefs(o.audienceIds)),
    mentions,
  };
}

/**
 * Who may see an object delivered in an activity: the stricter of the
 * object's own addressing and the activity's (a followers-only Note wrapped
 * in a Create addressed to Public stays followers-only).
 */
export function visibilityOfActivity(activity: Activity, object: APObject | null, authorFollowers?: string | null): Visibility {
  const own = (o: APObject) => ({ to: hrefs(o.toIds), cc: hrefs(o.ccIds) });
  return visibilityOfWrapped(own(activity), object ? own(object) : null, authorFollowers);
}

/** Who may see an object, from its own addressing alone (an object fetched from its origin). */
export function visibilityOfObject(object: APObject, authorFollowers?: string | null): Visibility {
  return visibilityOf({ to: hrefs(object.toIds), cc: hrefs(object.ccIds) }, authorFollowers);
}

/** Resolves a URI to a local community (actor or followers collection). */
export function localTargetResolver(ctx: Context<AppServices>): (uri: string) => LocalTarget | null {
  return (uri) => {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      return null;
    }
    if (!isLocalUri(ctx, url)) return null;
    const parsed = ctx.parseUri(url);
    if (parsed?.type === "actor" && parsed.identifier !== INSTANCE_ACTOR) return { kind: "community", slug: parsed.identifier };
    if (parsed?.type === "followers") return { kind: "followers", slug: parsed.identifier };
    return null;
  };
}

/** The identifier of the instance-wide Application actor (served at /actor). */
export const INSTANCE_ACTOR = "instance.actor";

/** The live local community a URI names (its actor URI), if any. */
export async function localCommunityOf(ctx: Context<AppServices>, uri: string): Promise<Community | null> {
  const target = localTargetResolver(ctx)(uri);
  if (target?.kind !== "community") return null;
  const community = await ctx.data.repos.communities.findBySlug(target.slug);
  return community && !community.deletedAt ? community : null;
}
