// The floor of a delivery: a bare Node sender that signs each POST with
// RSA-2048 (draft-cavage HTTP signature over (request-target), host, date and
// digest, as Mastodon and Praxis send) and POSTs it over a keep-alive
// connection. No queue, no database, no JSON-LD: what any sender must at
// least spend per delivery on this machine. Also the draft-cavage signing and
// checking the other floors share: the inbox benchmark's (bench/inbox.ts) and
// the three hops' relay (bench/hops-sibling.ts).
import { createHash, createPublicKey, createSign, generateKeyPairSync, type KeyObject, verify } from "node:crypto";
import { Agent, request } from "node:http";

export interface FloorDelivery {
  /** The inbox URL. */
  inbox: string;
  /** Index into the bodies. */
  body: number;
}

export interface FloorOptions {
  /** POSTs in flight at once. */
  concurrency: number;
  /** Connections kept per host. */
  socketsPerHost?: number;
}

export interface FloorSender {
  /** Sends every delivery; resolves with the elapsed ms. Throws on a non-2xx answer. */
  send(deliveries: readonly FloorDelivery[], bodies: readonly string[], options: FloorOptions): Promise<number>;
  close(): void;
}

export function createFloorSender(keyId = "http://127.0.0.1/actor#main-key"): FloorSender {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  let agent: Agent | undefined;
  return {
    async send(deliveries, bodies, options) {
      agent?.destroy();
      agent = new Agent({ keepAlive: true, maxSockets: options.socketsPerHost ?? 8, maxFreeSockets: 2 });
      const prepared = bodies.map((body) => ({
        bytes: Buffer.from(body),
        digest: digestOf(body),
      }));
      const start = performance.now();
      let next = 0;
      const worker = async () => {
        while (next < deliveries.length) {
          const d = deliveries[next++];
          await post(agent!, privateKey, keyId, d.inbox, prepared[d.body]);
        }
      };
      await Promise.all(Array.from({ length: Math.min(options.concurrency, deliveries.length) }, worker));
      return performance.now() - start;
    },
    close() {
      agent?.destroy();
    },
  };
}

function post(agent: Agent, key: KeyObject, keyId: string, inbox: string, body: { bytes: Buffer; digest: string }): Promise<void> {
  const url = new URL(inbox);
  const { date, signature } = signCavage(url, body.digest, key, keyId);
  return new Promise((resolve, reject) => {
    const req = request({
      agent,
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      method: "POST",
      headers: {
        host: url.host,
        date,
        digest: body.digest,
        "content-type": "application/activity+json",
        "content-length": body.bytes.length,
        signature,
      },
    }, (res) => {
      res.resume();
      res.on("end", () => (res.statusCode! < 300 ? resolve() : reject(new Error(`${inbox} answered ${res.statusCode}`))));
    });
    req.on("error", reject);
    req.end(body.bytes);
  });
}

/** The digest header of a body, as the floors send and check it. */
export function digestOf(body: string | Buffer): string {
  return `SHA-256=${createHash("sha256").update(body).digest("base64")}`;
}

/**
 * Signs a POST to `url` as Mastodon and Praxis do (draft-cavage: over
 * (request-target), host, date and digest; RSA-SHA256): its date and
 * signature headers.
 */
export function signCavage(url: URL, digest: string, key: KeyObject, keyId: string): { date: string; signature: string } {
  const date = new Date().toUTCString();
  const signingString = `(request-target): post ${url.pathname}\nhost: ${url.host}\ndate: ${date}\ndigest: ${digest}`;
  const signature = createSign("RSA-SHA256").update(signingString).sign(key, "base64");
  return { date, signature: `keyId="${keyId}",algorithm="rsa-sha256",headers="(request-target) host date digest",signature="${signature}"` };
}

/** The public keys the floors check signatures with, each fetched once (unsigned GET of its keyId). */
export function publicKeyFetcher(): (keyId: string) => Promise<KeyObject> {
  const keys = new Map<string, Promise<KeyObject>>();
  return (keyId) => {
    let key = keys.get(keyId);
    if (!key) {
      key = fetch(keyId, { headers: { accept: "application/activity+json" } }).then((r) => r.json()).then((doc: { publicKey: unknown }) => {
        const listed = (Array.isArray(doc.publicKey) ? doc.publicKey : [doc.publicKey]) as { id: string; publicKeyPem: string }[];
        return createPublicKey((listed.find((k) => k.id === keyId) ?? listed[0]).publicKeyPem);
      });
      keys.set(keyId, key);
    }
    return key;
  };
}

/**
 * Checks a draft-cavage signed POST as the floors do: the digest of `body`,
 * then the signature over the headers it names, with its key. The keyId it
 * was signed with, or null.
 */
export async function verifyCavage(
  url: URL, header: (name: string) => string | null | undefined, body: string, keyOf: (keyId: string) => Promise<KeyObject>,
): Promise<string | null> {
  const params = Object.fromEntries([...(header("signature") ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  if (!params.keyId || !params.signature || !params.headers) return null;
  const signed = params.headers.split(" ").map((h) => h === "(request-target)"
    ? `(request-target): post ${url.pathname}` : `${h}: ${header(h) ?? ""}`).join("\n");
  if (header("digest") !== digestOf(body)) return null;
  return verify("sha256", Buffer.from(signed), await keyOf(params.keyId), Buffer.from(params.signature, "base64")) ? params.keyId : null;
}
