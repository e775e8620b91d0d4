#!/usr/bin/env node
// The operator CLI. Praxis runs its TypeScript sources with Node's type
// stripping (Node.js 22.18+). `npm install` brings Node.js 24 as the `node`
// dependency; when this file is started by an older Node (a system Node 20
// first on PATH), it hands over to that runtime, or says what to install.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import module from "node:module";
import { fileURLToPath } from "node:url";

const [major, minor] = process.versions.node.split(".").map(Number);
if (major > 22 || (major === 22 && minor >= 18)) {
  // Each command loads the whole server; caching the compiled (and
  // type-stripped) modules beside the installed packages, not in a shared
  // temporary directory, makes every later command start about a third faster.
  module.enableCompileCache?.(fileURLToPath(new URL("../node_modules/.cache/praxis-compile", import.meta.url)));
  await import("../src/cli/main.ts");
} else {
  const bundled = fileURLToPath(new URL("../node_modules/node/bin/node", import.meta.url));
  if (!existsSync(bundled) || process.env.PRAXIS_NODE_REEXEC) {
    console.error(`praxis needs Node.js 22.18 or newer (this is ${process.version}): run \`npm install\` in ${fileURLToPath(new URL("..", import.meta.url))}, which brings Node.js 24, or install Node.js 24.`);
    process.exit(1);
  }
  const result = spawnSync(bundled, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: "inherit",
    env: { ...process.env, PRAXIS_NODE_REEXEC: "1" },
  });
  process.exit(result.status ?? 1);
}
