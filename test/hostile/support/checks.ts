// What the hostile suite checks after the run, and how it reports failures:
// grouped by category, each with a reproducer (the case's number, template,
// signing, inbox and the start of its body).
import type { HostileCase, Identity } from "./generator.ts";
import { PUBLIC_FORMS } from "./values.ts";

export interface Failure {
  c: HostileCase | null;
  why: string;
}

const idOf = (v: unknown): string | null =>
  typeof v === "string" ? v : v && typeof v === "object" && typeof (v as { id?: unknown }).id === "string" ? (v as { id: string }).id : null;

const idsOf = (v: unknown): string[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]).map(idOf).filter((x): x is string => x !== null);

/** Public in its own to/cc (where Mastodon reads visibility). */
export function isPublic(o: any): boolean {
  return [...idsOf(o?.to), ...idsOf(o?.cc)].some((x) => PUBLIC_FORMS.has(x));
}

const originOf = (uri: string): string | null => (URL.canParse(uri) ? new URL(uri).origin : null);

/** Maps the `…/h<number>` ids generated for each case back to it. */
export function caseIndex(cases: readonly HostileCase[]): (id: string) => HostileCase | null {
  const byNumber = new Map<string, HostileCase>();
  const decoder = new TextDecoder();
  for (const c of cases) {
    for (const m of decoder.decode(c.body.subarray(0, 200_000)).matchAll(/\/h(\d+)(?![\d])/g)) byNumber.set(m[1], c);
  }
  return (id) => {
    const m = /\/h(\d+)(?![\d])/.exec(id);
    return m ? byNumber.get(m[1]) ?? null : null;
  };
}

export interface RelayWorld {
  signerOf(c: HostileCase): Identity | null;
  victimPost: string;
  victim: string;
}

/**
 * Every Announce the community sent during the run must relay something a
 * verified member sent as themselves, public both in the activity and in the
 * object, attributed to that member, and about their own post.
 */
export function relayFailures(announces: readonly any[], find: (id: string) => HostileCase | null, world: RelayWorld): Failure[] {
  const failures: Failure[] = [];
  for (const announce of announces) {
    const inner = announce.object;
    const innerId = idOf(inner);
    const c = innerId ? find(innerId) : null;
    if (!innerId || !c) {
      failures.push({ c: null, why: `relayed ${JSON.stringify(inner).slice(0, 200)}, which no case sent` });
      continue;
    }
    const signer = world.signerOf(c);
    if (!signer) {
      failures.push({ c, why: `relayed ${innerId} from a case that was not signed by a member (${c.signing})` });
      continue;
    }
    const shown = innerId.length > 120 ? `${innerId.slice(0, 120)}…` : innerId;
    const fail = (why: string) => failures.push({ c, why: `relayed ${shown}: ${why.slice(0, 300)}` });
    if (typeof inner === "string") {
      // A boost: judge the object and activity as the case sent them.
      const activity = c.json;
      const sent = idOf(activity?.object);
      // An id that is not an absolute URL was resolved by the parser; the embedded object is still the one sent.
      const object = typeof activity?.object === "object" && activity.object !== null && (sent === innerId || (sent !== null && !URL.canParse(sent)))
        ? activity.object : null;
      if (!object) {
        fail("boosted an object the case only referenced (fetched from elsewhere)");
        continue;
      }
      if (!isPublic(activity) || !isPublic(object)) fail("the activity or its object was not public");
      const attributed = idsOf(object.attributedTo);
      if (attributed.length !== 1 || attributed[0] !== signer.id) fail(`attributed to ${JSON.stringify(object.attributedTo)}, signed by ${signer.id}`);
      if (originOf(innerId) !== signer.origin) fail(`object id on another origin than its signer ${signer.id}`);
      continue;
    }
    // An activity relayed as Praxis parsed it. Posts and edits must be public
    // in both the activity and the object (the stricter of the two counts);
    // reactions and withdrawals carry no addressing of their own.
    const actors = idsOf(inner.actor);
    if (actors.length !== 1 || actors[0] !== signer.id) fail(`actor ${JSON.stringify(inner.actor)}, signed by ${signer.id}`);
    const object = inner.object;
    if (["Create", "Update"].includes(inner.type)) {
      if (!isPublic(inner)) fail("the relayed activity is not public");
    }
    if (object && typeof object === "object" && ["Create", "Update"].includes(inner.type)) {
      if (!isPublic(object)) fail("the relayed object is not public");
      const attributed = idsOf(object.attributedTo);
      if (attributed.length !== 1 || attributed[0] !== signer.id) fail(`object attributed to ${JSON.stringify(object.attributedTo)}, signed by ${signer.id}`);
    }
    const objectId = idOf(object);
    if (["Update", "Delete"].includes(inner.type) && objectId && (objectId === world.victimPost || originOf(objectId) !== signer.origin)) {
      fail(`${inner.type} of ${objectId}, which is not ${signer.id}'s`);
    }
  }
  return failures;
}

function excerpt(c: HostileCase): string {
  const text = new TextDecoder().decode(c.body.subarray(0, 700));
  const compact = text.replace(/(.)\1{40,}/g, (run, ch) => `${ch.repeat(8)}…(${run.length}×)`);
  return compact.length > 500 ? `${compact.slice(0, 500)}…(${c.body.byteLength} bytes)` : compact;
}

/** "N failures in K categories", then per category: count and one reproducer. */
export function report(title: string, failures: readonly Failure[]): string {
  if (failures.length === 0) return `${title}: none`;
  const groups = new Map<string, Failure[]>();
  for (const f of failures) {
    const key = f.c ? `${f.c.category} — ${f.c.detail.replace(/\d{3,}/g, "N")}` : `(no case) ${f.why.replace(/\d{3,}/g, "N").slice(0, 100)}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  const lines = [`${title}: ${failures.length} in ${groups.size} categories`];
  for (const [key, group] of [...groups].sort((a, b) => b[1].length - a[1].length)) {
    const { c, why } = group[0];
    lines.push(`- ${group.length} × ${key}: ${why}`);
    if (c) lines.push(`    e.g. case #${c.n} (${c.template}, ${c.signing}${c.signer !== "member" ? ` as ${c.signer}` : ""}, ${c.spec === "rfc9421" ? "RFC 9421, " : ""}${c.inbox} inbox): ${excerpt(c)}`);
  }
  return lines.join("\n");
}

/** Counts by key, for the summary. */
export function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return out;
}
