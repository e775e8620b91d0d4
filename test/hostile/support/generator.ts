// The deterministic generator of hostile inbox cases: realistic payloads
// (../fixtures) filled for this run, then mutated — wrong types for every
// field, missing fields, deep nesting, huge strings, remote and odd
// @contexts, bad ids, impersonation, non-public addressing wrapped in public
// activities, duplicate keys, invalid UTF-8, non-object and truncated JSON —
// and sent signed by a member, unsigned, or badly signed, to the shared inbox
// or a community inbox. Same seed, same cases.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Prng } from "./prng.ts";
import { badId, type ContextHosts, contextVariants, deepText, INVALID_UTF8, PUBLIC, wrongValue } from "./values.ts";

export type Signing = "member" | "unsigned" | "badsig" | "tampered" | "keyid-refused" | "keyid-hang";
/** Whose key signs a "member" case: the natural signer of the template, or one of the odd actors. */
export type SignerName = "member" | "guild" | "giant" | "weird";

export interface HostileCase {
  n: number;
  template: string;
  category: string;
  detail: string;
  signing: Signing;
  spec: "draft-cavage-http-signatures-12" | "rfc9421";
  signer: SignerName;
  inbox: "shared" | "community";
  body: Uint8Array;
  /** Content-Type header; null sends none. */
  contentType: string | null;
  /** The payload as the server parses it (TextDecoder, JSON.parse), or null. */
  json: any;
}

export interface Identity {
  id: string;
  followers: string;
  origin: string;
  publicKeyPem: string;
}

export interface World extends ContextHosts {
  praxisOrigin: string;
  group: string;
  groupFollowers: string;
  /** A post the member published before the run. */
  post: string;
  /** Another member on another host, and a post of theirs. */
  victim: string;
  victimPost: string;
  member: Identity;
  guild: Identity;
  now: string;
}

interface Template {
  name: string;
  signer: "member" | "guild";
  payload: unknown;
}

const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url));
const DEEP = "\u0001DEEP\u0001";
const POST_TEMPLATES = new Set(["mastodon-create-note", "mastodon-reply", "lemmy-create-page", "misskey-create-note", "akkoma-create-note", "mobilizon-create-event", "question"]);

export function loadTemplates(): Template[] {
  return readdirSync(FIXTURES).filter((f) => f.endsWith(".json")).sort().map((file) => {
    const { signer, payload } = JSON.parse(readFileSync(path.join(FIXTURES, file), "utf8"));
    return { name: path.basename(file, ".json"), signer, payload };
  });
}

/** Replaces the $PLACEHOLDERS of a template for case `n`. */
function fill(value: unknown, world: World, signer: Identity, n: number): any {
  const replacements: Array<[string, string]> = [
    ["$ACTOR_FOLLOWERS", signer.followers], ["$ACTOR_KEY_PEM", signer.publicKeyPem], ["$ACTOR", signer.id],
    ["$ORIGIN", signer.origin], ["$ID", `${signer.id}/h${n}`], ["$GROUP_FOLLOWERS", world.groupFollowers],
    ["$GROUP", world.group], ["$GUILD", world.guild.id], ["$POST", world.post], ["$VICTIM", world.victim], ["$NOW", world.now],
  ];
  const text = JSON.stringify(value);
  let out = text;
  for (const [token, replacement] of replacements) out = out.split(token).join(JSON.stringify(replacement).slice(1, -1));
  return JSON.parse(out);
}

type PathKey = string | number;

/** Paths of the payload (not inside @context), at most `maxDepth` deep, first array item only. */
function pathsOf(value: unknown, maxDepth = 4): PathKey[][] {
  const out: PathKey[][] = [];
  const stack: Array<{ v: unknown; p: PathKey[] }> = [{ v: value, p: [] }];
  while (stack.length > 0) {
    const { v, p } = stack.pop()!;
    if (p.length >= maxDepth || typeof v !== "object" || v === null) continue;
    if (Array.isArray(v)) {
      if (v.length > 0) {
        out.push([...p, 0]);
        stack.push({ v: v[0], p: [...p, 0] });
      }
      continue;
    }
    for (const [k, child] of Object.entries(v)) {
      if (k === "@context") continue;
      out.push([...p, k]);
      stack.push({ v: child, p: [...p, k] });
    }
  }
  return out.sort((a, b) => a.join(".").localeCompare(b.join(".")));
}

function setPath(root: any, p: PathKey[], value: unknown): void {
  let node = root;
  for (const k of p.slice(0, -1)) node = node[k];
  node[p[p.length - 1]] = value;
}

function deletePath(root: any, p: PathKey[]): void {
  let node = root;
  for (const k of p.slice(0, -1)) node = node[k];
  if (Array.isArray(node)) node.splice(Number(p[p.length - 1]), 1);
  else delete node[p[p.length - 1]];
}

const label = (p: PathKey[]) => p.join(".");
const encoder = new TextEncoder();

function decodeAsServer(body: Uint8Array): any {
  try {
    return JSON.parse(new TextDecoder().decode(body));
  } catch {
    return null;
  }
}

interface Draft {
  category: string;
  detail: string;
  /** A JSON value (serialised as is), or exact text, or exact bytes. */
  payload?: unknown;
  text?: string;
  bytes?: Uint8Array;
  signing?: Signing;
  signer?: SignerName;
  contentType?: string | null;
}

/** Everything one template yields. */
function draftsFor(t: Template, base: () => any, world: World, prng: Prng, n: () => number): Draft[] {
  const drafts: Draft[] = [];
  const paths = pathsOf(base());
  const isPost = POST_TEMPLATES.has(t.name);

  // Wrong types for every field.
  for (const p of paths) {
    const payload = base();
    const wrong = wrongValue(prng);
    setPath(payload, p, wrong.value);
    drafts.push({ category: "wrong-type", detail: `${label(p)} ← ${wrong.label}`, payload });
  }
  // Missing fields: the activity's and the object's own.
  for (const p of paths.filter((q) => q.length === 1 || (q.length === 2 && q[0] === "object"))) {
    if (prng.chance(0.5)) continue;
    const payload = base();
    deletePath(payload, p);
    drafts.push({ category: "missing-field", detail: label(p), payload });
  }
  // Deep nesting in a random field, as text (nothing here recurses on it).
  for (const depth of [prng.pick([500, 2_000]), prng.pick([20_000, 100_000])]) {
    const p = prng.pick(paths);
    const kind = prng.pick(["array", "object", "mixed"] as const);
    const payload = base();
    setPath(payload, p, DEEP);
    drafts.push({ category: "deep-nesting", detail: `${label(p)} ← ${kind} ×${depth}`, text: JSON.stringify(payload).replace(JSON.stringify(DEEP), deepText(kind, depth)) });
  }
  // A huge string in a random field (under the body limit).
  {
    const p = prng.pick(paths);
    const size = prng.pick([200_000, 900_000]);
    const payload = base();
    setPath(payload, p, "A".repeat(size));
    drafts.push({ category: "huge-string", detail: `${label(p)} ← ${size} chars`, payload });
  }
  // Remote and inline @contexts.
  for (const variant of [prng.pick(contextVariants(world)), prng.pick(contextVariants(world))]) {
    const payload = base();
    const context = variant.context(payload["@context"]);
    if (context === undefined) delete payload["@context"];
    else payload["@context"] = context;
    drafts.push({ category: "context", detail: variant.label, payload });
  }
  // Bad ids where ids belong.
  const idPaths = paths.filter((p) => ["id", "actor", "attributedTo", "inReplyTo", "audience", "object", "target", "href", "url"].includes(String(p[p.length - 1])));
  for (let i = 0; i < 3 && idPaths.length > 0; i++) {
    const p = prng.pick(idPaths);
    const bad = badId(prng, world, n());
    const payload = base();
    setPath(payload, p, bad.value);
    drafts.push({ category: "bad-id", detail: `${label(p)} ← ${bad.label}`, payload });
  }
  // Duplicate keys: the later value wins in JSON.parse.
  for (const dup of [prng.pick(["actor", "type", "id", "@context", "to"]), "object.attributedTo"]) {
    const payload = base();
    const text = JSON.stringify(payload);
    const late: Record<string, unknown> = { actor: world.victim, type: "Delete", id: `${world.victim}/h${n()}`, "@context": `${world.contexts}/hang.jsonld`, to: [world.group] };
    if (dup === "object.attributedTo") {
      if (typeof payload.object !== "object" || payload.object === null) continue;
      const inner = JSON.stringify(payload.object);
      drafts.push({ category: "duplicate-keys", detail: "object.attributedTo (victim last)", text: text.replace(inner, `${inner.slice(0, -1)},"attributedTo":${JSON.stringify(world.victim)}}`) });
    } else {
      drafts.push({ category: "duplicate-keys", detail: `${dup} (hostile value last)`, text: `${text.slice(0, -1)},${JSON.stringify(dup)}:${JSON.stringify(late[dup])}}` });
    }
  }
  // Invalid UTF-8 inside a string.
  {
    const [what, bytes] = prng.pick(INVALID_UTF8);
    const text = JSON.stringify(base());
    const at = text.indexOf('"type":"') + 8;
    const head = encoder.encode(text.slice(0, at));
    const tail = encoder.encode(text.slice(at));
    drafts.push({ category: "invalid-utf8", detail: what, bytes: Buffer.concat([head, Uint8Array.from(bytes), tail]) });
  }
  // Truncated JSON.
  for (let i = 0; i < 2; i++) {
    const text = JSON.stringify(base());
    const cut = prng.int(1, text.length - 1);
    drafts.push({ category: "truncated", detail: `cut at ${cut}/${text.length}`, text: text.slice(0, cut) });
  }
  // Types that are not what they seem.
  for (let i = 0; i < 2; i++) {
    const payload = base();
    const [where, value] = prng.pick<[string, unknown]>([
      ["type", "Foo"], ["type", ["Create", "Delete"]], ["type", ""], ["type", 5], ["type", "as:Create"],
      ["type", "https://www.w3.org/ns/activitystreams#Delete"], ["type", "Note"], ["type", "Group"], ["object.type", "Person"],
      ["object.type", ["Note", "Page"]], ["object.type", "Tombstone"], ["object.type", "Create"],
    ]);
    if (where === "object.type" && (typeof payload.object !== "object" || payload.object === null)) continue;
    setPath(payload, where.split("."), value);
    drafts.push({ category: "type-confusion", detail: `${where} ← ${JSON.stringify(value)}`, payload });
  }
  // Linked Data signature and proof claimed by the victim.
  {
    const payload = base();
    payload.signature = { type: "RsaSignature2017", creator: `${world.victim}#main-key`, created: world.now, signatureValue: "bm90IGEgc2lnbmF0dXJl" };
    drafts.push({ category: "ld-signature", detail: "RsaSignature2017 by the victim's key", payload });
    const proofed = base();
    proofed.proof = { type: "DataIntegrityProof", cryptosuite: "eddsa-jcs-2022", verificationMethod: `${world.victim}#ed25519-key`, proofPurpose: "assertionMethod", proofValue: "z3FXQjecWufY46yg5abdVZsXqLhxhueuSoZgNSARiKBk", created: world.now };
    drafts.push({ category: "ld-signature", detail: "DataIntegrityProof by the victim's key", payload: proofed });
  }
  if (isPost) drafts.push(...postDrafts(base, world), ...impersonationDrafts(base, world, n));
  return drafts;
}

/** Non-public posts wrapped in public activities (and the reverse): never to be relayed. */
function postDrafts(base: () => any, world: World): Draft[] {
  const variants: Array<[string, (a: any, o: any) => void]> = [
    ["object addressed to the group only", (_a, o) => { o.to = [world.group]; o.cc = []; }],
    ["object followers-only", (_a, o) => { o.to = [world.member.followers]; o.cc = [world.group]; }],
    ["object without addressing", (_a, o) => { delete o.to; delete o.cc; }],
    ["object public only in bcc", (_a, o) => { o.to = [world.group]; o.cc = []; o.bcc = [PUBLIC]; }],
    ["object public only as audience", (_a, o) => { o.to = [world.group]; o.cc = []; o.audience = [PUBLIC, world.group]; }],
    ["activity addressed to the group only", (a) => { a.to = [world.group]; a.cc = []; }],
    ["both followers-only", (a, o) => { a.to = o.to = [world.member.followers]; a.cc = o.cc = [world.group]; }],
    ["object public only in bto", (_a, o) => { o.to = [world.group]; o.cc = []; o.bto = [PUBLIC]; }],
  ];
  return variants.map(([detail, mutate]) => {
    const payload = base();
    mutate(payload, payload.object);
    return { category: "non-public", detail, payload, signing: "member" as const };
  });
}

/** A member claiming to be someone else, or to act on someone else's post. */
function impersonationDrafts(base: () => any, world: World, n: () => number): Draft[] {
  const variants: Array<[string, (a: any, o: any) => any]> = [
    ["actor is the victim", (a) => { a.actor = world.victim; }],
    ["object attributed to the victim", (_a, o) => { o.attributedTo = world.victim; }],
    ["both name the victim", (a, o) => { a.actor = o.attributedTo = world.victim; }],
    ["attributedTo [member, victim]", (_a, o) => { o.attributedTo = [world.member.id, world.victim]; }],
    ["attributedTo [victim, member]", (_a, o) => { o.attributedTo = [world.victim, world.member.id]; }],
    ["attributedTo { id: victim }", (_a, o) => { o.attributedTo = { id: world.victim, type: "Person" }; }],
    ["actor [member, victim]", (a) => { a.actor = [world.member.id, world.victim]; }],
    ["actor { id: victim }", (a) => { a.actor = { id: world.victim, type: "Person" }; }],
    ["actor is the community", (a) => { a.actor = world.group; }],
    ["object id on the victim's origin", (_a, o) => { o.id = `${new URL(world.victim).origin}/notes/h${n()}`; }],
    ["object is the victim's post, by reference", (a) => { a.object = world.victimPost; }],
    ["object is the victim's post, embedded and re-attributed", (_a, o) => { o.id = world.victimPost; }],
  ];
  const drafts = variants.map(([detail, mutate]) => {
    const payload = base();
    mutate(payload, payload.object);
    return { category: "impersonation", detail, payload, signing: "member" as const };
  });
  const victimsPost = { id: world.victimPost, type: "Note", attributedTo: world.member.id, content: "<p>Defaced</p>", to: [PUBLIC], cc: [world.group] };
  drafts.push(
    { category: "impersonation", detail: "Update of the victim's post", payload: { "@context": "https://www.w3.org/ns/activitystreams", id: `${world.member.id}/h${n()}`, type: "Update", actor: world.member.id, to: [PUBLIC], cc: [world.group], object: victimsPost }, signing: "member" },
    { category: "impersonation", detail: "Delete of the victim's post", payload: { "@context": "https://www.w3.org/ns/activitystreams", id: `${world.member.id}/h${n()}`, type: "Delete", actor: world.member.id, to: [PUBLIC], object: world.victimPost }, signing: "member" },
    { category: "impersonation", detail: "Undo of the victim's Follow", payload: { "@context": "https://www.w3.org/ns/activitystreams", id: `${world.member.id}/h${n()}`, type: "Undo", actor: world.member.id, object: { id: `${world.victim}#follows/1`, type: "Follow", actor: world.victim, object: world.group } }, signing: "member" },
  );
  return drafts;
}

/** Cases that do not come from a template. */
function fixedDrafts(world: World, mastodon: () => any, n: () => number): Draft[] {
  const drafts: Draft[] = [];
  for (const [detail, text] of [["[]", "[]"], ["[activity]", `[${JSON.stringify(mastodon())}]`], ["a string", '"Create"'], ["a number", "42"], ["null", "null"], ["true", "true"], ["{}", "{}"], ["@context only", '{"@context":"https://www.w3.org/ns/activitystreams"}'], ["[[[]]]", "[[[]]]"]]) {
    drafts.push({ category: "non-object-json", detail, text });
  }
  for (const [detail, text] of [["empty body", ""], ["whitespace", " \n\t "], ["{", "{"], ["not JSON", "not json at all"], ["trailing garbage", `${JSON.stringify(mastodon())}}}}`], ["two objects", `${JSON.stringify(mastodon())}${JSON.stringify(mastodon())}`], ["NaN literal", '{"type":"Create","id":NaN}'], ["single quotes", "{'type':'Create'}"]]) {
    drafts.push({ category: "truncated", detail, text });
  }
  // Each from its own payload, so that whatever is relayed names one case.
  drafts.push(
    { category: "invalid-utf8", detail: "UTF-8 BOM", bytes: Buffer.concat([Uint8Array.from([0xef, 0xbb, 0xbf]), encoder.encode(JSON.stringify(mastodon()))]) },
    { category: "invalid-utf8", detail: "UTF-16LE with BOM", bytes: Buffer.concat([Uint8Array.from([0xff, 0xfe]), Buffer.from(JSON.stringify(mastodon()), "utf16le")]) },
    { category: "invalid-utf8", detail: "NUL byte in a key", bytes: encoder.encode(JSON.stringify(mastodon()).replace('"type"', '"ty\u0000pe"')) },
  );
  // 500 levels already keep Fedify's parser busy for seconds; deeper only costs the run.
  for (const depth of [50, 500]) {
    let text = JSON.stringify({ id: `${world.member.id}/h${n()}`, type: "Note", attributedTo: world.member.id, content: "nested", to: [PUBLIC, world.group] });
    for (let i = 0; i < depth; i++) text = `{"id":"${world.member.id}/h${n()}-${i}","type":"Create","actor":"${world.member.id}","to":["${PUBLIC}"],"object":${text}}`;
    drafts.push({ category: "deep-nesting", detail: `Create(Create(…)) ×${depth}`, text: `{"@context":"https://www.w3.org/ns/activitystreams",${text.slice(1)}` });
  }
  const body = mastodon();
  body.object.content = "B".repeat(1_600_000);
  drafts.push({ category: "huge-string", detail: "body over the 1 MiB limit", payload: body });
  const many = mastodon();
  many.to = Array.from({ length: 12_000 }, (_, i) => `${world.member.origin}/users/u${i}`);
  drafts.push({ category: "huge-string", detail: "12,000 recipients", payload: many });
  const tags = mastodon();
  tags.object.tag = Array.from({ length: 6_000 }, (_, i) => ({ type: "Mention", href: i % 2 ? world.group : `${world.member.origin}/users/u${i}`, name: `@u${i}` }));
  drafts.push({ category: "huge-string", detail: "6,000 mentions", payload: tags });
  for (const contentType of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", null, 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"']) {
    drafts.push({ category: "content-type", detail: String(contentType), payload: mastodon(), contentType });
  }
  // Who signs: keys that cannot be fetched, and members with hostile actor documents.
  for (let i = 0; i < 4; i++) drafts.push({ category: "signature", detail: "keyId on a host that never answers", payload: mastodon(), signing: "keyid-hang" });
  for (let i = 0; i < 6; i++) drafts.push({ category: "signature", detail: "keyId on a closed port", payload: mastodon(), signing: "keyid-refused" });
  drafts.push({ category: "signature", detail: "signer's actor document is 40 MiB", payload: mastodon(), signing: "member", signer: "giant" });
  for (let i = 0; i < 3; i++) drafts.push({ category: "signature", detail: "signer's actor document names a context that never answers and a numeric published", payload: mastodon(), signing: "member", signer: "weird" });
  // Handlers that would fetch from a host that never answers.
  // One route answers them all: the raw host matches paths without the query.
  const hang = `${world.contexts}/hang-object?case=`;
  drafts.push(
    { category: "fetch-hang", detail: "Create of an object by reference on a host that never answers", payload: { ...mastodon(), object: `${hang}${n()}` }, signing: "member" },
    { category: "fetch-hang", detail: "Undo of an activity by reference on a host that never answers", payload: { "@context": "https://www.w3.org/ns/activitystreams", id: `${world.member.id}/h${n()}`, type: "Undo", actor: world.member.id, object: `${hang}${n()}` }, signing: "member" },
    { category: "fetch-hang", detail: "Announce of an object on a host that never answers", payload: { "@context": "https://www.w3.org/ns/activitystreams", id: `${world.guild.id}/h${n()}`, type: "Announce", actor: world.guild.id, to: [PUBLIC], object: `${hang}${n()}` }, signing: "member", signer: "guild" },
  );
  return drafts;
}

const SIGNINGS: ReadonlyArray<[Signing, number]> = [["member", 0.7], ["unsigned", 0.1], ["badsig", 0.1], ["tampered", 0.1]];

function pickSigning(prng: Prng): Signing {
  let r = prng.next();
  for (const [signing, weight] of SIGNINGS) {
    if ((r -= weight) < 0) return signing;
  }
  return "member";
}

/** All cases for `world`, in a shuffled but reproducible order. */
export function generateCases(world: World, seed: number): HostileCase[] {
  const prng = new Prng(seed);
  const templates = loadTemplates();
  let counter = 0;
  const n = () => ++counter;
  const cases: HostileCase[] = [];
  const identity = (t: Template) => (t.signer === "guild" ? world.guild : world.member);
  const add = (template: string, templateSigner: SignerName, d: Draft) => {
    const index = cases.length + 1;
    let body: Uint8Array;
    if (d.bytes) body = d.bytes;
    else if (d.text !== undefined) body = encoder.encode(d.text);
    else body = encoder.encode(JSON.stringify(d.payload));
    cases.push({
      n: index,
      template,
      category: d.category,
      detail: d.detail,
      signing: d.signing ?? pickSigning(prng),
      spec: prng.chance(0.25) ? "rfc9421" : "draft-cavage-http-signatures-12",
      signer: d.signer ?? templateSigner,
      inbox: prng.chance(0.5) ? "shared" : "community",
      body,
      contentType: d.contentType === undefined ? "application/activity+json" : d.contentType,
      json: decodeAsServer(body),
    });
  };
  for (const t of templates) {
    const base = () => fill(t.payload, world, identity(t), n());
    for (const d of draftsFor(t, base, world, prng, n)) add(t.name, t.signer, d);
  }
  const mastodon = templates.find((t) => t.name === "mastodon-create-note")!;
  for (const d of fixedDrafts(world, () => fill(mastodon.payload, world, world.member, n()), n)) add(d.category === "non-object-json" || d.category === "truncated" ? "-" : mastodon.name, "member", d);
  return prng.shuffle(cases);
}
