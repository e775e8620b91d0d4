// Loads a payload template from test/fixtures/payloads and fills it in:
// every `{{name}}` inside a string is replaced by `vars[name]` (a string
// that is exactly `{{name}}` is replaced by the value itself, so values may
// be JSON too). An unknown name is an error, so a typo cannot pass silently.
import { readFileSync } from "node:fs";

export function fixture(name: string, vars: Record<string, unknown> = {}): any {
  const raw = JSON.parse(readFileSync(new URL(`../fixtures/payloads/${name}.json`, import.meta.url), "utf8"));
  const fill = (node: unknown): unknown => {
    if (typeof node === "string") {
      const whole = /^\{\{(\w+)\}\}$/.exec(node);
      if (whole) return value(whole[1]);
      return node.replace(/\{\{(\w+)\}\}/g, (_, k: string) => String(value(k)));
    }
    if (Array.isArray(node)) return node.map(fill);
    if (node !== null && typeof node === "object") {
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, fill(v)]));
    }
    return node;
  };
  const value = (k: string): unknown => {
    if (!(k in vars)) throw new Error(`Fixture ${name} needs a value for {{${k}}}`);
    return vars[k];
  };
  return fill(raw);
}
