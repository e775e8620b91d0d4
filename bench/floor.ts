// The floor of a delivery: a bare Node sender that signs each POST with
// RSA-2048 (draft-cavage HTTP signature over (request-target), host, date and
// digest, as Mastodon and Praxis send) and POSTs it over a keep-alive
// connection. No queue, no database, no JSON-LD: what any sender must at
// least spend per delivery on this machine.
import { createHash, createSign, generateKeyPairSync, type KeyObject } from "node:crypto";
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
        digest: `SHA-256=${createHash("sha256").update(body).digest("base64")}`,
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
  const date = new Date().toUTCString();
  const signingString = `(request-target): post ${url.pathname}\nhost: ${url.host}\ndate: ${date}\ndigest: ${body.digest}`;
  const signature = createSign("RSA-SHA256").update(signingString).sign(key, "base64");
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
        signature: `keyId="${keyId}",algorithm="rsa-sha256",headers="(request-target) host date digest",signature="${signature}"`,
      },
    }, (res) => {
      res.resume();
      res.on("end", () => (res.statusCode! < 300 ? resolve() : reject(new Error(`${inbox} answered ${res.statusCode}`))));
    });
    req.on("error", reject);
    req.end(body.bytes);
  });
}
