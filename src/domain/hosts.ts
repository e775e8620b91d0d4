// Remote hosts in the instance's federation policy: how an operator writes
// them, and whether a policy entry covers a host (an entry covers its
// subdomains, as in Mastodon's domain blocks).
import { ValidationError } from "./community.ts";

/** Normalises `Example.COM`, `*.example.com` or `example.com.` to `example.com`; throws on anything else. */
export function normalizeHost(input: string, field = "host"): string {
  let value = input.trim().toLowerCase();
  if (value.startsWith("*.")) value = value.slice(2);
  if (value.endsWith(".")) value = value.slice(0, -1);
  if (!value) throw new ValidationError(field, "expected a host name such as example.com");
  if (/[/:@?#\s\\]/.test(value) && !/^\[[0-9a-f:.]+\]$/.test(value)) {
    throw new ValidationError(field, `"${input}" is not a bare host name; write it without scheme, port or path, e.g. example.com`);
  }
  let url: URL;
  try {
    url = new URL(`http://${value}/`);
  } catch {
    throw new ValidationError(field, `"${input}" is not a valid host name`);
  }
  if (url.port || url.pathname !== "/" || url.username) {
    throw new ValidationError(field, `"${input}" is not a bare host name`);
  }
  return url.hostname;
}

/** The host name (no port, lower-case) of a URI, or null when it is not a URL. */
export function hostOf(uri: string | URL | null | undefined): string | null {
  if (!uri) return null;
  try {
    const url = uri instanceof URL ? uri : new URL(uri);
    return url.hostname.toLowerCase().replace(/\.$/, "") || null;
  } catch {
    return null;
  }
}

/** Whether `entry` (a normalised policy host) covers `host`: the host itself or one of its subdomains. */
export function hostCovered(host: string, entry: string): boolean {
  return host === entry || host.endsWith(`.${entry}`);
}

/** The entries of `entries` that cover `host`, checking it and each parent domain. */
export function coveringEntry(host: string, entries: ReadonlySet<string>): string | null {
  if (entries.has(host)) return host;
  // IP literals have no parent domains.
  if (/^[\d.]+$/.test(host) || host.startsWith("[")) return null;
  let rest = host;
  for (let dot = rest.indexOf("."); dot >= 0; dot = rest.indexOf(".")) {
    rest = rest.slice(dot + 1);
    if (entries.has(rest)) return rest;
  }
  return null;
}

export type FederationMode = "open" | "allowlist";

export interface DomainPolicySnapshot {
  mode: FederationMode;
  blocked: ReadonlySet<string>;
  allowed: ReadonlySet<string>;
}

export type DomainVerdict =
  | { allowed: true }
  | { allowed: false; reason: "blocked"; entry: string }
  | { allowed: false; reason: "not-allowed" };

/** Whether Praxis federates with `host` (inbound and outbound) under the policy. */
export function judgeHost(policy: DomainPolicySnapshot, host: string): DomainVerdict {
  const blockedBy = coveringEntry(host, policy.blocked);
  if (blockedBy) return { allowed: false, reason: "blocked", entry: blockedBy };
  if (policy.mode === "allowlist" && !coveringEntry(host, policy.allowed)) return { allowed: false, reason: "not-allowed" };
  return { allowed: true };
}
