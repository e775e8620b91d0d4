// HTTP signature signing cost: Fedify's signRequest on a POST with a ~2 KB
// JSON body, with RSA-2048 (what Praxis uses, like Mastodon; the baseline)
// and RSA-4096 (Fedify's default for generateCryptoKeyPair), under both
// signature specs; and the bare WebCrypto signature with RSA-2048, RSA-4096
// and Ed25519. Ratios are cost per signature relative to RSA-2048 in the
// same method (higher is slower).
import { generateCryptoKeyPair, type HttpMessageSignaturesSpec, signRequest } from "@fedify/fedify";
import { envInt, formatMs, formatRate, formatRatio, printTable, type SummaryRow } from "./lib.ts";

export interface SigningBenchOptions {
  iterations: number;
}

export function signingOptionsFromEnv(): SigningBenchOptions {
  return { iterations: envInt("BENCH_SIGN_N", 500) };
}

const WARMUP = 10;

function rsaKeyPair(modulusLength: number): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true, ["sign", "verify"]) as Promise<CryptoKeyPair>;
}

/** A Create(Note) of about 2 KB, the size of a typical post delivery. */
function activityBody(): string {
  const content = `<p>${"Compost needs air, water and patience. ".repeat(40)}</p>`;
  return JSON.stringify({
    "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
    id: "https://sender.example/users/alice/statuses/1/activity",
    type: "Create",
    actor: "https://sender.example/users/alice",
    to: ["https://www.w3.org/ns/activitystreams#Public"],
    cc: ["https://sender.example/users/alice/followers", "https://praxis.example/c/gardeners"],
    object: {
      id: "https://sender.example/users/alice/statuses/1",
      type: "Note",
      attributedTo: "https://sender.example/users/alice",
      content: content.slice(0, 1700),
      published: "2025-01-01T00:00:00Z",
      to: ["https://www.w3.org/ns/activitystreams#Public"],
    },
  });
}

type Signer = () => Promise<unknown>;

async function measure(sign: Signer, iterations: number): Promise<number> {
  for (let i = 0; i < WARMUP; i++) await sign();
  const start = performance.now();
  for (let i = 0; i < iterations; i++) await sign();
  return (performance.now() - start) / iterations;
}

function requestSigner(privateKey: CryptoKey, body: string, spec: HttpMessageSignaturesSpec): Signer {
  const keyId = new URL("https://sender.example/users/alice#main-key");
  const bytes = new TextEncoder().encode(body).buffer as ArrayBuffer;
  return () => signRequest(new Request("https://praxis.example/c/gardeners/inbox", {
    method: "POST",
    headers: { "Content-Type": "application/activity+json", Accept: "application/activity+json" },
    body,
  }), privateKey, keyId, { spec, body: bytes });
}

/** The bare WebCrypto signature over a signing string of the same size as the body. */
function rawSigner(privateKey: CryptoKey, body: string): Signer {
  const data = new TextEncoder().encode(body);
  const algorithm = privateKey.algorithm.name === "Ed25519" ? "Ed25519" : "RSASSA-PKCS1-v1_5";
  return () => crypto.subtle.sign(algorithm, privateKey, data);
}

interface Case {
  family: string;
  key: string;
  sign: Signer;
}

export async function runSigningBench(options: SigningBenchOptions = signingOptionsFromEnv()): Promise<SummaryRow[]> {
  const body = activityBody();
  console.log(`\n## HTTP signatures: ${options.iterations} signatures per case of a POST with a ${body.length}-byte JSON body`);
  const rsa2048 = await rsaKeyPair(2048);
  const rsa4096 = await generateCryptoKeyPair("RSASSA-PKCS1-v1_5");
  const ed25519 = await generateCryptoKeyPair("Ed25519");
  // Fedify 2.3.6's signRequest signs with RSA only (both specs throw
  // "Unsupported algorithm: Ed25519"); Ed25519 keys serve object integrity
  // proofs. The bare signature puts the three key types side by side.
  const families: Case[][] = [
    [
      { family: "signRequest draft-cavage", key: "RSA-2048", sign: requestSigner(rsa2048.privateKey, body, "draft-cavage-http-signatures-12") },
      { family: "signRequest draft-cavage", key: "RSA-4096", sign: requestSigner(rsa4096.privateKey, body, "draft-cavage-http-signatures-12") },
    ],
    [
      { family: "signRequest rfc9421", key: "RSA-2048", sign: requestSigner(rsa2048.privateKey, body, "rfc9421") },
      { family: "signRequest rfc9421", key: "RSA-4096", sign: requestSigner(rsa4096.privateKey, body, "rfc9421") },
    ],
    [
      { family: "crypto.subtle.sign", key: "RSA-2048", sign: rawSigner(rsa2048.privateKey, body) },
      { family: "crypto.subtle.sign", key: "RSA-4096", sign: rawSigner(rsa4096.privateKey, body) },
      { family: "crypto.subtle.sign", key: "Ed25519", sign: rawSigner(ed25519.privateKey, body) },
    ],
  ];
  const rows: string[][] = [];
  const summary: SummaryRow[] = [];
  for (const cases of families) {
    // The first case of each family, RSA-2048, is its baseline.
    let baselineMs = NaN;
    for (const [index, c] of cases.entries()) {
      const ms = await measure(c.sign, options.iterations);
      if (index === 0) baselineMs = ms;
      const ratio = ms / baselineMs;
      rows.push([c.family, c.key, formatMs(ms), formatRate(1000 / ms, "ops/s"), formatRatio(ratio)]);
      if (index > 0) {
        summary.push({
          bench: "signing",
          case: `${c.family} ${c.key}`,
          value: formatRate(1000 / ms, "ops/s"),
          baseline: `${formatRate(1000 / baselineMs, "ops/s")} (RSA-2048)`,
          ratio,
          ratioOf: `cost ${c.key} / RSA-2048`,
        });
      }
    }
  }
  printTable(["method", "key", "per signature", "signatures/s", "cost vs RSA-2048"], rows);
  return summary;
}

if (import.meta.main) await runSigningBench();
