// `praxis queue status` and `praxis queue retry`: what the delivery queue is
// doing, per kind of message and per remote host, and retrying a host now.
import type { Command } from "commander";
import { cliActor } from "../operations/audit.ts";
import { type HostStatus, queueStatus, retryDeliveriesAs } from "../operations/queue.ts";
import type { CliHelpers } from "./safety.ts";
import { printTable } from "./format.ts";

/** "in 42 s", "3 min ago": short, relative to now. */
function relative(iso: string | null, now = Date.now()): string {
  if (iso === null) return "-";
  const ms = Date.parse(iso) - now;
  const abs = Math.abs(ms);
  const span = abs < 90_000 ? `${Math.round(abs / 1000)} s` : abs < 5_400_000 ? `${Math.round(abs / 60_000)} min` : `${Math.round(abs / 3_600_000)} h`;
  return ms >= 0 ? `in ${span}` : `${span} ago`;
}

function hostState(h: HostStatus): string {
  if (h.circuit === "open") return `held (circuit open ${relative(h.circuitOpenedAt).replace(" ago", "")})`;
  if (h.circuit === "half-open") return "probing";
  if (h.failures > 0) return `failing (${h.failures})`;
  return "ok";
}

export function registerQueueCommands(program: Command, { withPraxis, out, json }: CliHelpers): void {
  const queue = program.command("queue").description("The delivery and inbox queue.");

  queue.command("status")
    .description("Show queued, delayed, in-flight and dead messages, per kind and per remote host (circuits, last errors, next attempts).")
    .option("--json", "print JSON")
    .option("--hosts <n>", "hosts to list (default 20)", "20")
    .action(async (o) => {
      await withPraxis(async (praxis) => {
        const status = await queueStatus(praxis, { hosts: Math.max(1, Number.parseInt(o.hosts, 10) || 20) });
        if (o.json) return json(status);
        printTable(out, ["QUEUE", "READY", "DELAYED", "IN FLIGHT", "DEAD"], [
          ...status.kinds.map((k) => [k.kind, String(k.ready), String(k.delayed), String(k.leased), String(k.dead)]),
          ["total", String(status.ready), String(status.delayed), String(status.leased), String(status.dead)],
        ]);
        out(`Oldest ready message: ${status.oldestReadyAgeMs === null ? "-" : `${Math.round(status.oldestReadyAgeMs / 1000)} s old`}`);
        const open = status.hosts.filter((h) => h.circuit !== "closed");
        if (status.hosts.length > 0) {
          out(`\nRemote hosts${open.length > 0 ? ` (${open.length} held; retry with: praxis queue retry --host <host>)` : ""}:`);
          printTable(out, ["HOST", "STATE", "READY", "DELAYED", "IN FLIGHT", "NEXT ATTEMPT", "LAST SUCCESS", "LAST ERROR"],
            status.hosts.map((h) => [
              h.host, hostState(h), String(h.ready), String(h.delayed), String(h.inFlight), relative(h.nextAttemptAt),
              relative(h.lastSuccessAt),
              h.lastError ? `${relative(h.lastFailureAt)}: ${h.lastError.slice(0, 70)}` : "-",
            ]));
        }
        if (status.deadLetters.length > 0) {
          out("\nDead letters (kept for inspection; deliver again with: praxis queue retry --dead):");
          printTable(out, ["ID", "TYPE", "ATTEMPTS", "CREATED", "LAST ERROR"],
            status.deadLetters.map((d) => [d.id, d.payloadType ?? "-", String(d.attempts), new Date(d.createdAt).toISOString(), (d.lastError ?? "").slice(0, 80)]));
        }
      });
    });

  queue.command("retry")
    .description("Retry now: close the circuit of a held host (or of all) and make its delayed deliveries due.")
    .option("--host <host>", "only this host (as shown by queue status, with its port if any)")
    .option("--dead", "also deliver the dead letters again")
    .option("--json", "print JSON")
    .action(async (o) => {
      await withPraxis(async (praxis) => {
        const result = await retryDeliveriesAs(praxis, praxis, { host: o.host, dead: !!o.dead }, cliActor());
        if (o.json) return json(result);
        const closed = result.circuitsClosed.length > 0 ? ` Closed the circuit of ${result.circuitsClosed.join(", ")}.` : "";
        const dead = o.dead ? ` ${result.deadRetried} dead letter(s) queued again.` : "";
        out(`${result.rescheduled} delayed deliver${result.rescheduled === 1 ? "y is" : "ies are"} due now${o.host ? ` for ${o.host}` : ""}.${closed}${dead} The server's worker sends them.`);
      });
    });
}
