// Praxis as it is deployed: a TLS-terminating reverse proxy (nginx or Caddy
// in production) on one loopback address, Praxis on plain http on another.
// The proxy's certificate is issued by a throwaway CA that this test process
// trusts, like a peer trusts a real CA; it forwards the Host header and
// appends X-Forwarded-For / X-Forwarded-Proto, as the README's nginx snippet
// does.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { createServer, type Server } from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import tls from "node:tls";
import { freePort } from "./net.ts";

export interface TestCa {
  cert: string;
  /** Issues a certificate for an IP address, signed by this CA. */
  issue(ip: string): { cert: string; key: string };
  dispose(): void;
}

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: "pipe" });
}

/** A throwaway certificate authority (openssl, EC P-256 keys: fast to make). */
export function createTestCa(): TestCa {
  const dir = mkdtempSync(path.join(tmpdir(), "praxis-ca-"));
  openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ca.key"], dir);
  openssl(["req", "-x509", "-new", "-key", "ca.key", "-sha256", "-days", "2", "-subj", "/CN=Praxis test CA", "-out", "ca.pem"], dir);
  let serial = 1;
  return {
    cert: readFileSync(path.join(dir, "ca.pem"), "utf8"),
    issue(ip) {
      const name = `leaf${serial++}`;
      openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", `${name}.key`], dir);
      openssl(["req", "-new", "-key", `${name}.key`, "-subj", `/CN=${ip}`, "-out", `${name}.csr`], dir);
      writeFileSync(path.join(dir, `${name}.ext`), `subjectAltName=IP:${ip}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
      openssl(["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-sha256",
        "-extfile", `${name}.ext`, "-out", `${name}.pem`], dir);
      return { cert: readFileSync(path.join(dir, `${name}.pem`), "utf8"), key: readFileSync(path.join(dir, `${name}.key`), "utf8") };
    },
    dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Makes this process (its fetch and every Fedify peer in it) trust the CA too. */
export function trustCa(ca: TestCa): () => void {
  const before = tls.getCACertificates("default");
  tls.setDefaultCACertificates([...before, ca.cert]);
  return () => tls.setDefaultCACertificates(before);
}

export interface TlsProxy {
  /** The public origin, e.g. https://127.0.0.2:40123. */
  origin: string;
  port: number;
  /** Requests forwarded, for assertions on what reached Praxis. */
  forwarded: { method: string; path: string }[];
  stop(): Promise<void>;
}

/**
 * Starts an https reverse proxy on `hostname:port` forwarding to
 * `upstream` (http://host:port), like `proxy_pass` with
 * `proxy_set_header Host $host` and X-Forwarded-For / -Proto.
 */
export async function startTlsProxy(options: { ca: TestCa; hostname: string; port?: number; upstream: string }): Promise<TlsProxy> {
  const { cert, key } = options.ca.issue(options.hostname);
  const port = options.port ?? await freePort(options.hostname);
  const upstream = new URL(options.upstream);
  const forwarded: TlsProxy["forwarded"] = [];
  const server: Server = createServer({ cert, key }, (req, res) => {
    forwarded.push({ method: req.method ?? "GET", path: req.url ?? "/" });
    const headers = { ...req.headers };
    const prior = headers["x-forwarded-for"];
    headers["x-forwarded-for"] = `${prior ? `${prior}, ` : ""}${req.socket.remoteAddress}`;
    headers["x-forwarded-proto"] = "https";
    const out = httpRequest({
      host: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers,
    }, (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
      upstreamRes.pipe(res);
    });
    out.on("error", () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(port, options.hostname, resolve));
  return {
    origin: `https://${options.hostname}:${port}`,
    port,
    forwarded,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
