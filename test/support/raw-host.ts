// A fediverse host under the test's full control, shaped like Mastodon rather
// than like Praxis: it serves whatever JSON documents the test puts at
// whatever paths (actors, standalone key documents, objects, forged or
// malformed ones), records every request it receives, and sends activities
// as raw JSON signed only with an HTTP signature (draft-cavage by default,
// RFC 9421 on request) and no Linked Data signature or proof — exactly the
// bytes the test wrote. Impersonation, hostile-input and fault tests build on
// it; it never verifies what it receives.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { signRequest } from "@fedify/fedify";
import { freePort } from "./net.ts";

export interface RawRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
  json: any;
  at: number;
}

export type RawHandler = (req: IncomingMessage, body: string) => Promise<{ status: number; body?: unknown; headers?: Record<string, string> } | "hang"> | { status: number; body?: unknown; headers?: Record<string, string> } | "hang";

export interface RawActor {
  /** The actor id, e.g. http://127.0.0.5:4000/users/alice. */
  id: string;
  keyId: string;
  inbox: string;
  sharedInbox: string;
  privateKey: CryptoKey;
  publicKeyPem: string;
  /** The actor document as served (edit it, then it is served as edited). */
  document: Record<string, any>;
}

export interface RawHost {
  origin: string;
  hostname: string;
  /** Every request received, oldest first. */
  requests: RawRequest[];
  /** POSTs received at any inbox path. */
  inboxPosts(filter?: (r: RawRequest) => boolean): RawRequest[];
  /** Serves `body` as JSON-LD at `path` (a path or a full URL on this host). */
  serve(path: string, body: unknown, contentType?: string): void;
  /** Answers requests to `path` with a handler ("hang" never answers). */
  route(path: string, handler: RawHandler): void;
  /** Creates a Person (Mastodon-shaped document, key embedded as #main-key). */
  actor(name: string, extra?: Record<string, unknown>): Promise<RawActor>;
  /**
   * POSTs `activity` (any JSON, serialised as given) to `inbox`, signed with
   * `signer`'s key (or the given keyId/privateKey). Returns the response.
   */
  send(inbox: string, activity: unknown, signer: { keyId: string; privateKey: CryptoKey } | null, options?: { spec?: "draft-cavage-http-signatures-12" | "rfc9421"; rawBody?: string; headers?: Record<string, string> }): Promise<Response>;
  /** A fresh id on this host. */
  newId(kind?: string): string;
  stop(): Promise<void>;
}

export async function generateRsaKey(): Promise<{ privateKey: CryptoKey; publicKeyPem: string }> {
  const pair = await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true, ["sign", "verify"]) as CryptoKeyPair;
  const spki = Buffer.from(await crypto.subtle.exportKey("spki", pair.publicKey)).toString("base64");
  const publicKeyPem = `-----BEGIN PUBLIC KEY-----\n${spki.match(/.{1,64}/g)!.join("\n")}\n-----END PUBLIC KEY-----\n`;
  return { privateKey: pair.privateKey, publicKeyPem };
}

export const AS_CONTEXT = ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"];

/** Starts a raw host on a loopback address (127.0.0.x stands for a distinct host). */
export async function startRawHost(hostname = "127.0.0.1"): Promise<RawHost> {
  const port = await freePort(hostname);
  const origin = `http://${hostname}:${port}`;
  const documents = new Map<string, { body: string; contentType: string }>();
  const routes = new Map<string, RawHandler>();
  const requests: RawRequest[] = [];
  const hanging = new Set<ServerResponse>();
  const pathOf = (p: string) => (p.startsWith("http") ? new URL(p).pathname + new URL(p).search : p);

  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    let json: any = null;
    try {
      json = body ? JSON.parse(body) : null;
    } catch {
      json = null;
    }
    const path = req.url ?? "/";
    requests.push({ method: req.method ?? "GET", path, headers: req.headers, body, json, at: Date.now() });
    const handler = routes.get(path) ?? routes.get(path.split("?")[0]);
    if (handler) {
      const answer = await handler(req, body);
      if (answer === "hang") {
        hanging.add(res);
        return;
      }
      const payload = answer.body === undefined ? "" : typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body);
      res.writeHead(answer.status, { "content-type": "application/activity+json", ...(answer.headers ?? {}) });
      res.end(payload);
      return;
    }
    if (req.method === "POST") {
      res.writeHead(202).end();
      return;
    }
    const doc = documents.get(path) ?? documents.get(path.split("?")[0]);
    if (!doc) {
      res.writeHead(404, { "content-type": "application/json" }).end('{"error":"Record not found"}');
      return;
    }
    res.writeHead(200, { "content-type": doc.contentType }).end(doc.body);
  });
  await new Promise<void>((resolve) => server.listen(port, hostname, resolve));

  const host: RawHost = {
    origin,
    hostname,
    requests,
    inboxPosts: (filter) => requests.filter((r) => r.method === "POST" && /inbox/.test(r.path) && (!filter || filter(r))),
    serve(path, body, contentType = "application/activity+json") {
      documents.set(pathOf(path), { body: typeof body === "string" ? body : JSON.stringify(body), contentType });
    },
    route(path, handler) {
      routes.set(pathOf(path), handler);
    },
    async actor(name, extra = {}) {
      const { privateKey, publicKeyPem } = await generateRsaKey();
      const id = `${origin}/users/${name}`;
      const document: Record<string, any> = {
        "@context": AS_CONTEXT,
        id,
        type: "Person",
        preferredUsername: name,
        name: name[0].toUpperCase() + name.slice(1),
        inbox: `${id}/inbox`,
        outbox: `${id}/outbox`,
        followers: `${id}/followers`,
        endpoints: { sharedInbox: `${origin}/inbox` },
        publicKey: { id: `${id}#main-key`, owner: id, publicKeyPem },
        ...extra,
      };
      // Served from the live object, so a test may edit the document later.
      routes.set(`/users/${name}`, () => ({ status: 200, body: document }));
      return { id, keyId: `${id}#main-key`, inbox: `${id}/inbox`, sharedInbox: `${origin}/inbox`, privateKey, publicKeyPem, document };
    },
    async send(inbox, activity, signer, options = {}) {
      const body = options.rawBody ?? JSON.stringify(activity);
      let request = new Request(inbox, {
        method: "POST",
        headers: { "content-type": "application/activity+json", accept: "application/activity+json", ...(options.headers ?? {}) },
        body,
      });
      if (signer) {
        request = await signRequest(request, signer.privateKey, new URL(signer.keyId), {
          spec: options.spec ?? "draft-cavage-http-signatures-12",
        });
      }
      return fetch(request, { signal: AbortSignal.timeout(30_000) });
    },
    newId(kind = "activities") {
      return `${origin}/${kind}/${crypto.randomUUID()}`;
    },
    async stop() {
      for (const res of hanging) res.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  return host;
}
