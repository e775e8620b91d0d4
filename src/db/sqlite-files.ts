// The SQLite file holds every community's private keys (and the queue, whose
// messages carry them too), so it is created readable by its owner only:
// the data directory 0700, the database and its -wal and -shm files 0600.
// Files that already exist are left as they are, with a warning at start
// when the group or others may read them.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from "node:fs";
import { dirname } from "node:path";

const SIDECARS = ["-wal", "-shm"] as const;

/** Permission bits beyond the owner's. */
const shared = (mode: number) => mode & 0o077;
const octal = (mode: number) => (mode & 0o777).toString(8).padStart(3, "0");

/**
 * Creates the directory (0700, with any missing parents) and the database
 * file (0600) if they do not exist; SQLite then creates the -wal and -shm
 * files with the database file's permissions. Returns warnings about an
 * existing directory or files that the group or others can read, each
 * saying how to fix it.
 */
export function prepareSqliteFiles(path: string): string[] {
  const warnings: string[] = [];
  const dir = dirname(path);
  if (existsSync(dir)) {
    const mode = statSync(dir).mode;
    if (shared(mode)) {
      warnings.push(`The data directory ${dir} is open to other users (mode ${octal(mode)}) and holds the communities' private keys; run: chmod 700 ${dir}`);
    }
  } else {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }
  try {
    closeSync(openSync(path, "wx", 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  for (const file of [path, ...SIDECARS.map((s) => path + s)]) {
    if (!existsSync(file)) continue;
    const mode = statSync(file).mode;
    if (shared(mode)) {
      warnings.push(`The database file ${file} is readable by other users (mode ${octal(mode)}) and holds the communities' private keys; run: chmod 600 ${file}`);
    }
  }
  return warnings;
}

/**
 * After SQLite opened the database: its -wal and -shm files get no more
 * access than the database file itself has (SQLite copies the database
 * file's mode when it creates them, but one left by older software may be
 * wider).
 */
export function alignSidecarModes(path: string): void {
  const main = statSync(path).mode & 0o777;
  for (const suffix of SIDECARS) {
    const file = path + suffix;
    if (!existsSync(file)) continue;
    const mode = statSync(file).mode & 0o777;
    if ((mode & ~main) !== 0) chmodSync(file, mode & main);
  }
}
