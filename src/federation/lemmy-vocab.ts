// Lemmy's activity vocabulary that Fedify's lacks: the `Lock` activity and,
// on a Group embedded in an Update, `postingRestrictedToMods`. Lemmy reads
// activities as plain JSON (serde), so the short terms must appear
// literally: `"type": "Lock"`. Fedify hard-codes each class's @type and
// compacts against its own context, so these subclasses post-process
// Fedify's JSON-LD. Subclasses, not per-instance patches, because Fedify
// clones activities (to attach proofs) with `new this.constructor`.
//
// `Lock` is written exactly as Lemmy writes it: the bare term, which no
// context defines (Lemmy's own context does not), so that JSON-LD readers
// take it for an activity of a type they need not know (through the
// ActivityStreams context's blank-node vocabulary). Defining it as
// `lemmy:Lock` made it a type Fedify's vocabulary refuses: Fedify peers,
// other Praxis servers among them, answered the Announce with 400 and the
// community's outbox could not be served.
import { Activity, Announce, Undo, Update } from "@fedify/vocab";
import type { Community } from "../domain/community.ts";
import { GROUP_EXTENSION_CONTEXT, groupExtensionTerms } from "./group-extensions.ts";

export const LEMMY_NS = "https://join-lemmy.org/ns#";
const LOCK_IRI = `${LEMMY_NS}Lock`;
const LEMMY_CONTEXT = { lemmy: LEMMY_NS, postingRestrictedToMods: "lemmy:postingRestrictedToMods" };

type JsonLdOptions = Parameters<Activity["toJsonLd"]>[0];
type Json = Record<string, unknown>;

/** Replaces Lemmy IRIs left expanded by compaction with Lemmy's short terms. */
function shortenLemmyTerms(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) shortenLemmyTerms(item);
    return;
  }
  if (node === null || typeof node !== "object") return;
  const o = node as Json;
  if (o.type === LOCK_IRI || o.type === "lemmy:Lock") o.type = "Lock";
  for (const key of Object.keys(o)) {
    if (key === "@context") continue;
    const short = key.startsWith(LEMMY_NS) ? key.slice(LEMMY_NS.length) : key.startsWith("lemmy:") ? key.slice(6) : null;
    if (short !== null) {
      o[short] = o[key];
      delete o[key];
    }
    shortenLemmyTerms(o[short ?? key]);
  }
}

function addContext(json: Json, extra: Record<string, unknown>): Json {
  const context = json["@context"];
  const list = Array.isArray(context) ? context : context === undefined ? [] : [context];
  return { ...json, "@context": [...list, extra] };
}

/** Fedify's compact JSON-LD made readable by Lemmy. */
async function lemmyCompact(json: unknown, options: JsonLdOptions): Promise<unknown> {
  if (options?.format === "expand" || json === null || typeof json !== "object") return json;
  shortenLemmyTerms(json);
  return addContext(json as Json, LEMMY_CONTEXT);
}

/** Lemmy's `Lock` of a post (Undo(Lock) unlocks it). */
export class Lock extends Activity {
  static override get typeId(): URL {
    return new URL(LOCK_IRI);
  }

  override async toJsonLd(options?: JsonLdOptions): Promise<unknown> {
    const json = await super.toJsonLd(options);
    if (options?.format === "expand") {
      for (const node of json as Json[]) node["@type"] = [LOCK_IRI];
      return json;
    }
    return lemmyCompact({ ...(json as Json), type: "Lock" }, options);
  }
}

/** An Announce whose embedded activity may use Lemmy's terms. */
export class LemmyAnnounce extends Announce {
  override async toJsonLd(options?: JsonLdOptions): Promise<unknown> {
    return lemmyCompact(await super.toJsonLd(options), options);
  }
}

/** An Undo whose object may be a Lemmy `Lock`. */
export class LemmyUndo extends Undo {
  override async toJsonLd(options?: JsonLdOptions): Promise<unknown> {
    return lemmyCompact(await super.toJsonLd(options), options);
  }
}

// The Group's extension terms are not Fedify properties either; the Update
// carrying a Group looks them up here by its own id while it is serialised
// (sendActivity serialises before queueing, so the entry is short-lived).
const groupExtensions = new Map<string, Json>();

/** An `Update` of a Group that carries the Group's Praxis and Lemmy extension terms. */
export class GroupUpdate extends Update {
  static async withExtensions<T>(updateId: URL, community: Community, origin: string, fn: () => Promise<T>): Promise<T> {
    groupExtensions.set(updateId.href, groupExtensionTerms(community, origin));
    try {
      return await fn();
    } finally {
      groupExtensions.delete(updateId.href);
    }
  }

  override async toJsonLd(options?: JsonLdOptions): Promise<unknown> {
    const json = await super.toJsonLd(options);
    const extensions = this.id ? groupExtensions.get(this.id.href) : undefined;
    if (!extensions || options?.format === "expand" || json === null || typeof json !== "object") return json;
    const object = (json as Json).object;
    if (object === null || typeof object !== "object" || (object as Json).type !== "Group") return json;
    return addContext({ ...(json as Json), object: { ...(object as Json), ...extensions } }, GROUP_EXTENSION_CONTEXT);
  }
}
