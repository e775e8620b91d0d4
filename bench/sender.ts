// A Mastodon-shaped server in a child process, for the inbox benchmarks: its
// members (Person actors with RSA-2048 keys) post signed Create(Note)
// activities to a target inbox, as fast as the target takes them, and it
// counts what comes back (the community's Announces) and every GET the
// target makes of it. Running apart keeps the sender's signing out of the
// measured process. Loopback only.
//
// IPC (bench/senders.ts drives it):
//   { cmd: "start", members, address }         → { origin, actors: [{ id, inbox, sharedInbox }] }
//   { cmd: "burst", inbox, group, n, concurrency, tag, editEvery? } → { ms, statuses: { "202": n, … } }
//   { cmd: "await", type, n, timeoutMs }        → { ok, count, lastAt }
//   { cmd: "stats" }                            → { received: { Announce: n, … }, gets: { "/users/m0": n, … }, firstAt, lastAt }
//   { cmd: "reset" }
import { createHash, createSign, generateKeyPairSync, type KeyObject } from "node:crypto";
import { Agent, createServer, request, type Server } from "node:http";

interface Member {
  id: string;
  keyId: string;
  privateKey: KeyObject;
  publicKeyPem: string;
}

let origin = "";
let server: Server | null = null;
const members: Member[] = [];
const received = new Map<string, number>();
const gets = new Map<string, number>();
let firstAt = 0;
let lastAt = 0;
let waiter: { type: string; n: number; resolve: () => void } | null = null;

function send(message: unknown): void {
  process.send?.(message);
}

function actorDocument(m: Member): unknown {
  return {
    "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
    id: m.id, type: "Person", preferredUsername: m.id.split("/").pop(), name: m.id.split("/").pop(),
    inbox: `${m.id}/inbox`, outbox: `${m.id}/outbox`, followers: `${m.id}/followers`,
    endpoints: { sharedInbox: `${origin}/inbox` },
    publicKey: { id: m.keyId, owner: m.id, publicKeyPem: m.publicKeyPem },
  };
}

async function start(count: number, address: string): Promise<void> {
  server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = req.url ?? "/";
      if (req.method === "GET") {
        gets.set(path, (gets.get(path) ?? 0) + 1);
        const member = members.find((m) => new URL(m.id).pathname === path.split("#")[0]);
        if (!member) return void res.writeHead(404, { "content-type": "application/json" }).end("{}");
        return void res.writeHead(200, { "content-type": "application/activity+json" }).end(JSON.stringify(actorDocument(member)));
      }
      let type = "invalid";
      try {
        type = String(JSON.parse(Buffer.concat(chunks).toString("utf8")).type);
      } catch {
        // counted as invalid
      }
      received.set(type, (received.get(type) ?? 0) + 1);
      lastAt = Date.now();
      firstAt ||= lastAt;
      res.writeHead(202, { "content-length": "0" }).end();
      if (waiter && (received.get(waiter.type) ?? 0) >= waiter.n) {
        const w = waiter;
        waiter = null;
        w.resolve();
      }
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, address, resolve));
  origin = `http://${address}:${(server.address() as { port: number }).port}`;
  for (let i = 0; i < count; i++) {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const id = `${origin}/users/m${i}`;
    members.push({ id, keyId: `${id}#main-key`, privateKey, publicKeyPem: publicKey.export({ type: "spki", format: "pem" }) as string });
  }
}

/** A Create(Note) by `m` mentioning `group`; with `edit`, an Update of the same note instead. */
function createActivity(m: Member, group: string, tag: string, i: number, edit = false): string {
  const note = `${m.id}/statuses/${tag}-${i}`;
  const published = new Date().toISOString();
  const to = ["https://www.w3.org/ns/activitystreams#Public", group];
  const cc = [`${m.id}/followers`];
  return JSON.stringify({
    "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
    id: edit ? `${note}/updates/1` : `${note}/activity`, type: edit ? "Update" : "Create", actor: m.id, published, to, cc,
    object: {
      id: note, type: "Note", attributedTo: m.id, published, to, cc, url: note,
      content: `<p>Post ${i} about compost, soil and patience in the community garden${edit ? ", edited" : ""}.</p>`,
      ...(edit ? { updated: published } : {}),
      tag: [{ type: "Mention", href: group, name: `@${group.split("/").pop()}` }],
    },
  });
}

/** POSTs `body` signed by `m` (draft-cavage, as Mastodon signs). */
function post(agent: Agent, m: Member, inbox: string, body: string): Promise<number> {
  const url = new URL(inbox);
  const date = new Date().toUTCString();
  const digest = `SHA-256=${createHash("sha256").update(body).digest("base64")}`;
  const signed = `(request-target): post ${url.pathname}\nhost: ${url.host}\ndate: ${date}\ndigest: ${digest}\ncontent-type: application/activity+json`;
  const signature = createSign("RSA-SHA256").update(signed).sign(m.privateKey, "base64");
  return new Promise((resolve, reject) => {
    const req = request({
      agent, host: url.hostname, port: url.port, path: url.pathname, method: "POST",
      headers: {
        host: url.host, date, digest, "content-type": "application/activity+json", "content-length": Buffer.byteLength(body),
        signature: `keyId="${m.keyId}",algorithm="rsa-sha256",headers="(request-target) host date digest content-type",signature="${signature}"`,
      },
    }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Posts `n` notes; with `editEvery`, each such post is edited (an Update) right after its Create is accepted. */
async function burst(inbox: string, group: string, n: number, concurrency: number, tag: string, editEvery = 0) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const statuses: Record<string, number> = {};
  const bodies = Array.from({ length: n }, (_, i) => createActivity(members[i % members.length], group, tag, i));
  const start = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) {
      const i = next++;
      const status = await post(agent, members[i % members.length], inbox, bodies[i]).catch(() => 0);
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (editEvery > 0 && i % editEvery === editEvery - 1) {
        const m = members[i % members.length];
        const edited = await post(agent, m, inbox, createActivity(m, group, tag, i, true)).catch(() => 0);
        statuses[edited] = (statuses[edited] ?? 0) + 1;
      }
    }
  }));
  const ms = performance.now() - start;
  agent.destroy();
  return { ms, statuses };
}

process.on("message", async (message: any) => {
  try {
    switch (message.cmd) {
      case "start":
        await start(message.members, message.address);
        send({ origin, actors: members.map((m) => ({ id: m.id, inbox: `${m.id}/inbox`, sharedInbox: `${origin}/inbox` })) });
        break;
      case "burst":
        send(await burst(message.inbox, message.group, message.n, message.concurrency, message.tag, message.editEvery ?? 0));
        break;
      case "await": {
        const done = () => send({ ok: true, count: received.get(message.type) ?? 0, lastAt });
        if ((received.get(message.type) ?? 0) >= message.n) return done();
        const timer = setTimeout(() => {
          waiter = null;
          send({ ok: false, count: received.get(message.type) ?? 0, lastAt });
        }, message.timeoutMs);
        waiter = { type: message.type, n: message.n, resolve: () => { clearTimeout(timer); done(); } };
        break;
      }
      case "stats":
        send({ received: Object.fromEntries(received), gets: Object.fromEntries(gets), firstAt, lastAt });
        break;
      case "reset":
        received.clear();
        gets.clear();
        firstAt = 0;
        lastAt = 0;
        send({ ok: true });
        break;
      case "stop":
        server?.closeAllConnections();
        server?.close();
        send({ ok: true });
        process.exit(0);
    }
  } catch (error) {
    send({ error: String(error) });
  }
});
process.on("disconnect", () => process.exit(0));
send({ ready: true });
