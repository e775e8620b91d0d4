// CLI commands for accounts, moderators, admin API tokens, the domain
// policy and the audit log. They run as the operator (audit name
// "cli:<os user>") and share their use cases with the admin API.
import { type Command, Option } from "commander";
import type { Praxis } from "../app.ts";
import { ValidationError } from "../domain/community.ts";
import { ROLES } from "../domain/credentials.ts";
import {
  createAccount, createToken, deleteAccount, listAccounts, listTokens, resetPassword, revokeToken,
} from "../operations/accounts.ts";
import { cliActor, listAudit } from "../operations/audit.ts";
import {
  allowDomain, blockDomain, disallowDomain, listDomainAllows, listDomainBlocks, unblockDomain,
} from "../operations/domains.ts";
import { addModerator, listModerators, removeModerator } from "../operations/moderators.ts";
import { printTable } from "./format.ts";

export interface CliHelpers {
  withPraxis<T>(fn: (praxis: Praxis) => Promise<T>): Promise<T>;
  out(s: string): void;
  json(v: unknown): void;
  queuedNote: string;
}

/** The first line of standard input (for --password-stdin). */
async function readPasswordFromStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const password = Buffer.concat(chunks).toString("utf8").split(/\r?\n/)[0];
  if (!password) throw new ValidationError("password", "nothing was read from standard input");
  return password;
}

const dash = (v: string | null | undefined) => v ?? "-";

function parseLimit(value: string): number {
  if (!/^\d+$/.test(value)) throw new ValidationError("limit", `expected a positive integer, got "${value}"`);
  return Number(value);
}

export function registerSafetyCommands(program: Command, { withPraxis, out, json, queuedNote }: CliHelpers): void {
  const by = cliActor();

  const account = program.command("account").description("Local accounts of moderators and operators.");

  account.command("create <username>")
    .description("Create an account; prints a generated password unless --password-stdin is given.")
    .addOption(new Option("--role <role>", "operator or moderator").choices([...ROLES]).default("moderator"))
    .option("--actor <handle-or-uri>", "the fediverse actor the account speaks as (@user@host or actor URI)")
    .option("--password-stdin", "read the password from the first line of standard input")
    .option("--json", "print JSON")
    .action(async (username: string, o) => {
      const password = o.passwordStdin ? await readPasswordFromStdin() : null;
      await withPraxis(async (praxis) => {
        const { account: a, generatedPassword } = await createAccount(praxis, { username, role: o.role, actor: o.actor, password }, by);
        if (o.json) return json({ account: a, ...(generatedPassword ? { password: generatedPassword } : {}) });
        out(`Created ${a.role} account ${a.username}${a.actorUri ? ` (speaks as ${a.actorUri})` : ""}.`);
        if (generatedPassword) out(`Password (shown once): ${generatedPassword}`);
      });
    });

  account.command("list")
    .description("List the accounts.")
    .option("--json", "print JSON")
    .action(async (o) => {
      await withPraxis(async (praxis) => {
        const rows = await listAccounts(praxis);
        if (o.json) return json(rows);
        if (rows.length === 0) return out("No accounts yet. Create one with: praxis account create <username> --role operator");
        printTable(out, ["USERNAME", "ROLE", "ACTOR", "MODERATES", "CREATED"],
          rows.map((a) => [a.username, a.role, dash(a.actorUri), a.communities.join(",") || "-", a.createdAt]));
      });
    });

  account.command("reset-password <username>")
    .description("Set a new password; prints a generated one unless --password-stdin is given.")
    .option("--password-stdin", "read the password from the first line of standard input")
    .action(async (username: string, o) => {
      const password = o.passwordStdin ? await readPasswordFromStdin() : null;
      await withPraxis(async (praxis) => {
        const generated = await resetPassword(praxis, username, password, by);
        out(generated ? `New password for ${username} (shown once): ${generated}` : `Password of ${username} changed.`);
      });
    });

  account.command("delete <username>")
    .description("Delete an account, its tokens and its moderator seats.")
    .action(async (username: string) => {
      await withPraxis(async (praxis) => {
        await deleteAccount(praxis, username, by);
        out(`Deleted account ${username}.`);
      });
    });

  const moderator = program.command("moderator").description("Who moderates each community (listed in its moderators collection).");

  moderator.command("add <slug> <username>")
    .description("Make an account a moderator of a community; federates Update(Group).")
    .action(async (slug: string, username: string) => {
      await withPraxis(async (praxis) => {
        const m = await addModerator(praxis, slug, username, by);
        out(`${m.username} now moderates ${slug}.${m.actorUri ? ` ${queuedNote}` : " (No actor linked: not listed in the moderators collection.)"}`);
      });
    });

  moderator.command("remove <slug> <username>")
    .description("Remove a moderator from a community; federates Update(Group).")
    .action(async (slug: string, username: string) => {
      await withPraxis(async (praxis) => {
        await removeModerator(praxis, slug, username, by);
        out(`${username} no longer moderates ${slug}.`);
      });
    });

  moderator.command("list <slug>")
    .description("List a community's moderators.")
    .option("--json", "print JSON")
    .action(async (slug: string, o) => {
      await withPraxis(async (praxis) => {
        const rows = await listModerators(praxis, slug);
        if (o.json) return json(rows);
        if (rows.length === 0) return out(`No moderators for ${slug}. Add one with: praxis moderator add ${slug} <username>`);
        printTable(out, ["USERNAME", "ROLE", "ACTOR"], rows.map((m) => [m.username, m.role, dash(m.actorUri)]));
      });
    });

  const token = program.command("token").description("Bearer tokens for the admin API (/api/v1/admin).");

  token.command("create <username>")
    .description("Create a token for an account; it is printed once and only its hash is stored.")
    .option("--name <label>", "a label to recognise the token by")
    .option("--json", "print JSON")
    .action(async (username: string, o) => {
      await withPraxis(async (praxis) => {
        const { token: secret, info } = await createToken(praxis, username, o.name ?? null, by);
        if (o.json) return json({ ...info, token: secret });
        out(`Token ${info.id} for ${username}${info.name ? ` (${info.name})` : ""}. It is shown only now:`);
        out(secret);
      });
    });

  token.command("list")
    .description("List tokens (never the tokens themselves).")
    .option("--json", "print JSON")
    .action(async (o) => {
      await withPraxis(async (praxis) => {
        const rows = await listTokens(praxis);
        if (o.json) return json(rows);
        if (rows.length === 0) return out("No tokens yet. Create one with: praxis token create <username>");
        printTable(out, ["ID", "ACCOUNT", "NAME", "CREATED", "LAST USED", "STATUS"],
          rows.map((t) => [t.id, t.username, dash(t.name), t.createdAt, dash(t.lastUsedAt), t.revokedAt ? `revoked ${t.revokedAt}` : "active"]));
      });
    });

  token.command("revoke <id>")
    .description("Revoke a token; it is refused from then on.")
    .action(async (id: string) => {
      await withPraxis(async (praxis) => {
        const t = await revokeToken(praxis, id, by);
        out(`Revoked token ${t.id} of ${t.username}.`);
      });
    });

  const domain = program.command("domain").description("The federation policy: blocked servers and the allow-list.");

  domain.command("block <host>")
    .description("Refuse all traffic from a host and its subdomains, remove its members, stop delivering to it.")
    .option("--reason <text>", "why (kept in the block list and the audit log)")
    .action(async (host: string, o) => {
      await withPraxis(async (praxis) => {
        const r = await blockDomain(praxis, host, o.reason ?? null, by);
        out(`${r.created ? "Blocked" : "Updated the block of"} ${r.host}${r.removedMembers ? `; removed ${r.removedMembers} membership(s)` : ""}.`);
      });
    });

  domain.command("unblock <host>")
    .description("Lift a block.")
    .action(async (host: string) => {
      await withPraxis(async (praxis) => out(`Unblocked ${await unblockDomain(praxis, host, by)}.`));
    });

  domain.command("allow <host>")
    .description("Add a host (and its subdomains) to the allow-list used when federation.mode is \"allowlist\".")
    .action(async (host: string) => {
      await withPraxis(async (praxis) => {
        const r = await allowDomain(praxis, host, by);
        out(`${r.created ? "Allowed" : "Already allowed:"} ${r.host}.${praxis.config.federation.mode === "open" ? " (federation.mode is \"open\": the allow-list applies only in \"allowlist\" mode.)" : ""}`);
      });
    });

  domain.command("disallow <host>")
    .description("Remove a host from the allow-list.")
    .action(async (host: string) => {
      await withPraxis(async (praxis) => out(`Removed ${await disallowDomain(praxis, host, by)} from the allow-list.`));
    });

  domain.command("list")
    .description("List blocked hosts and the allow-list.")
    .option("--json", "print JSON")
    .action(async (o) => {
      await withPraxis(async (praxis) => {
        const mode = praxis.config.federation.mode;
        const blocks = await listDomainBlocks(praxis);
        const allows = await listDomainAllows(praxis);
        if (o.json) return json({ mode, blocks, allows });
        out(`Federation mode: ${mode}`);
        if (blocks.length === 0) out("No blocked hosts.");
        else printTable(out, ["BLOCKED", "REASON", "BY", "SINCE"], blocks.map((b) => [b.host, dash(b.reason), b.createdBy, b.createdAt]));
        if (allows.length === 0) out(mode === "allowlist" ? "The allow-list is empty: no server may federate." : "The allow-list is empty.");
        else printTable(out, ["ALLOWED", "BY", "SINCE"], allows.map((a) => [a.host, a.createdBy, a.createdAt]));
      });
    });

  program.command("audit")
    .description("Show the audit log of moderation and operator actions, newest first.")
    .option("--community <slug>", "only this community's entries")
    .option("--limit <n>", "how many entries (default 50)", parseLimit)
    .option("--json", "print JSON")
    .action(async (o) => {
      await withPraxis(async (praxis) => {
        const entries = await listAudit(praxis, { community: o.community, limit: o.limit ?? 50 });
        if (o.json) return json(entries);
        if (entries.length === 0) return out("The audit log is empty.");
        printTable(out, ["WHEN", "WHO", "ACTION", "COMMUNITY", "TARGET"],
          entries.map((e) => [e.at, e.actor, e.action, dash(e.community), dash(e.target)]));
      });
    });
}
