// `praxis`: the operator's command line. It uses the same configuration and
// database as the server and may run while the server runs; activities it
// causes (Accept, Reject, Update, Delete) are queued and delivered by the
// server's worker.
import { Command, CommanderError } from "commander";
import { createPraxis, type Praxis } from "../app.ts";
import { ConfigError, loadConfig } from "../config.ts";
import { openDatabase } from "../db/database.ts";
import { createMigrator } from "../db/migrator.ts";
import { ValidationError } from "../domain/community.ts";
import { setupLogging } from "../logging.ts";
import { NotFoundError } from "../operations/communities.ts";
import { PeerUnreachableError } from "../federation/links.ts";
import { registerCommunityCommands } from "./communities.ts";
import { UsageError } from "./format.ts";
import { registerMeetingCommands } from "./meetings.ts";
import { registerModerationCommands } from "./moderation.ts";
import { registerNetworkCommands } from "./network.ts";
import { registerPracticeCommands } from "./practice.ts";
import { registerGlossaryCommands } from "./glossary.ts";
import { registerDeliverableCommands } from "./deliverables.ts";
import { registerQueueCommands } from "./queue.ts";
import { registerResourceCommands } from "./resources.ts";
import { type CliHelpers, registerSafetyCommands } from "./safety.ts";

async function withPraxis<T>(fn: (praxis: Praxis) => Promise<T>): Promise<T> {
  const config = loadConfig();
  await setupLogging("warning");
  // A command runs for a moment: SQLite's writer checkpoints by itself, no thread is started for it.
  const praxis = await createPraxis(config, { backgroundCheckpoints: false });
  try {
    // Look-ups the command makes follow the instance's outbound policy.
    return await praxis.run(() => fn(praxis));
  } finally {
    await praxis.close();
  }
}

const out = (s: string) => process.stdout.write(`${s}\n`);
const json = (v: unknown) => out(JSON.stringify(v, null, 2));
const queuedNote = "Queued for delivery; the server's worker sends it (now if the server is running, else when it starts).";
const helpers: CliHelpers = { withPraxis, out, json, queuedNote };

const program = new Command("praxis")
  .description("Operate a Praxis server: communities, members, queue and database.")
  .showHelpAfterError()
  .exitOverride();

registerCommunityCommands(program, helpers);
registerNetworkCommands(program, helpers);
registerModerationCommands(program, helpers);

registerSafetyCommands(program, helpers);
registerQueueCommands(program, helpers);
registerMeetingCommands(program, helpers);
registerResourceCommands(program, helpers);
registerPracticeCommands(program, helpers);
registerGlossaryCommands(program, helpers);
registerDeliverableCommands(program, helpers);

program.command("migrate")
  .description("Apply pending database migrations (the server also does this at start).")
  .action(async () => {
    const config = loadConfig();
    const database = openDatabase(config.database);
    try {
      const { error, results } = await (await createMigrator(database.db)).migrateToLatest();
      for (const r of results ?? []) out(`${r.status === "Success" ? "applied" : r.status.toLowerCase()}: ${r.migrationName}`);
      if (error) throw error instanceof Error ? error : new Error(String(error));
      if (!results?.length) out("The database is up to date.");
    } finally {
      await database.close();
    }
  });

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // Commander has printed the usage error or the help text already.
    process.exitCode = e.exitCode;
  } else if (e instanceof ValidationError || e instanceof NotFoundError || e instanceof ConfigError || e instanceof UsageError
    || e instanceof PeerUnreachableError) {
    process.stderr.write(`praxis: ${e.message}\n`);
    process.exitCode = e instanceof NotFoundError ? 3 : 2;
  } else {
    process.stderr.write(`praxis: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}
