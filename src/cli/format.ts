/** Prints rows as aligned columns, the way operators read them in a terminal. */
export function printTable(out: (s: string) => void, header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join("  ").trimEnd();
  out(line(header));
  for (const r of rows) out(line(r));
}

/** A command given options that contradict each other: reported as a usage error (exit code 2). */
export class UsageError extends Error {}
