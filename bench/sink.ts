// Stand-in inboxes for the delivery benchmarks, run as a child process so
// that their CPU is not charged to the sender being measured: one HTTP
// server per (loopback address, port), each a distinct "host", answering
// every POST with 202 (after `delayMs` when set). Loopback only.
//
// Driven over IPC by bench/sinks.ts:
//   { cmd: "listen", hosts: [{ address, port, delayMs? }], track?: boolean }  → { ok, hosts: ["address:port"] }
//   { cmd: "await", n, timeoutMs }   → { ok, total } once `n` POSTs arrived (or the timeout passed)
//   { cmd: "stats" }                 → { total, hosts, maxInFlight, log? }
//   { cmd: "reset" }                 → { ok: true }
// With `track`, each POST's activity type, id and object id are logged per
// host in arrival order (the slow-host scenario checks per-object order).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

interface HostSpec {
  address: string;
  port: number;
  delayMs?: number;
}

interface Logged {
  host: string;
  type: string;
  id: string | null;
  object: string | null;
  inner: string | null;
  at: number;
}

let total = 0;
let firstAt = 0;
let lastAt = 0;
let inFlight = 0;
let maxInFlight = 0;
let track = false;
const perHost = new Map<string, number>();
const inFlightPerHost = new Map<string, number>();
let maxInFlightPerHost = 0;
const connections = new Set<string>();
let log: Logged[] = [];
const servers: Server[] = [];
let waiter: { n: number; resolve: () => void } | null = null;

function send(message: unknown): void {
  process.send?.(message);
}

function handler(delayMs: number) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const host = req.headers.host ?? "";
    connections.add(`${req.socket.remoteAddress}:${req.socket.remotePort}>${host}`);
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method !== "POST") {
        res.writeHead(404).end();
        return;
      }
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const hostInFlight = (inFlightPerHost.get(host) ?? 0) + 1;
      inFlightPerHost.set(host, hostInFlight);
      maxInFlightPerHost = Math.max(maxInFlightPerHost, hostInFlight);
      if (track) {
        try {
          const json = JSON.parse(Buffer.concat(chunks).toString("utf8"));
          const object = typeof json.object === "string" ? json.object : json.object?.id ?? null;
          const innerObject = typeof json.object === "object" && json.object !== null
            ? (typeof json.object.object === "string" ? json.object.object : json.object.object?.id ?? null)
            : null;
          log.push({ host, type: String(json.type), id: json.id ?? null, object, inner: innerObject, at: Date.now() });
        } catch {
          log.push({ host, type: "invalid", id: null, object: null, inner: null, at: Date.now() });
        }
      }
      const finish = () => {
        inFlight--;
        inFlightPerHost.set(host, (inFlightPerHost.get(host) ?? 1) - 1);
        res.writeHead(202, { "content-length": "0" }).end();
        total++;
        lastAt = Date.now();
        if (total === 1) firstAt = lastAt;
        perHost.set(host, (perHost.get(host) ?? 0) + 1);
        if (waiter && total >= waiter.n) {
          const w = waiter;
          waiter = null;
          w.resolve();
        }
      };
      if (delayMs > 0) setTimeout(finish, delayMs);
      else finish();
    });
  };
}

/** Listens on every spec (port 0: the OS picks one); returns each "address:port". */
async function listen(hosts: HostSpec[]): Promise<string[]> {
  const out: string[] = [];
  for (const spec of hosts) {
    const server = createServer({ keepAliveTimeout: 30_000 }, handler(spec.delayMs ?? 0));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(spec.port, spec.address, () => resolve());
    });
    servers.push(server);
    out.push(`${spec.address}:${(server.address() as { port: number }).port}`);
  }
  return out;
}

process.on("message", async (message: any) => {
  try {
    switch (message.cmd) {
      case "listen":
        track = !!message.track;
        send({ ok: true, hosts: await listen(message.hosts) });
        break;
      case "await": {
        if (total >= message.n) {
          send({ ok: true, total });
          break;
        }
        const timer = setTimeout(() => {
          waiter = null;
          send({ ok: false, total });
        }, message.timeoutMs);
        waiter = {
          n: message.n,
          resolve: () => {
            clearTimeout(timer);
            send({ ok: true, total });
          },
        };
        break;
      }
      case "stats":
        send({
          total, hosts: perHost.size, firstAt, lastAt, maxInFlight, maxInFlightPerHost, connections: connections.size,
          log: message.log ? log : undefined,
        });
        break;
      case "reset":
        total = 0;
        firstAt = 0;
        lastAt = 0;
        maxInFlight = 0;
        maxInFlightPerHost = 0;
        perHost.clear();
        connections.clear();
        log = [];
        send({ ok: true });
        break;
      case "stop":
        for (const s of servers) {
          s.closeAllConnections();
          s.close();
        }
        send({ ok: true });
        process.exit(0);
    }
  } catch (error) {
    send({ ok: false, error: String(error) });
  }
});

process.on("disconnect", () => process.exit(0));
send({ ready: true });
