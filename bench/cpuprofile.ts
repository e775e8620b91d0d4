// Summarises a V8 CPU profile (node --cpu-prof) by where the time went:
// self time per package (node_modules/<name>, node: internals, Praxis's
// own src/…) and the heaviest functions, and, with --stack PATTERN, the
// callers through which functions matching PATTERN were reached.
//   node bench/cpuprofile.ts CPU.xxx.cpuprofile [--top 40] [--stack importKey]
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const file = process.argv[2];
if (!file) {
  console.error("usage: node bench/cpuprofile.ts FILE.cpuprofile [--top N] [--stack PATTERN]");
  process.exit(2);
}
const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const top = Number(arg("--top") ?? 40);
const stackPattern = arg("--stack");

const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const selfTime = new Map<number, number>();
for (let i = 0; i < profile.samples.length; i++) {
  selfTime.set(profile.samples[i], (selfTime.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
const total = [...selfTime.values()].reduce((a, b) => a + b, 0);

function area(url: string, fn: string): string {
  if (!url) return fn === "(garbage collector)" ? "(gc)" : fn.startsWith("(") ? fn : "(native)";
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1];
  if (url.startsWith("node:")) return url.split("/").slice(0, 2).join("/");
  const src = /\/(src|bench|test)\/(.*)$/.exec(url);
  return src ? `${src[1]}/${src[2]}` : url;
}

const areas = new Map<string, number>();
const functions = new Map<string, number>();
for (const [id, t] of selfTime) {
  const { callFrame } = byId.get(id)!;
  const a = area(callFrame.url, callFrame.functionName);
  areas.set(a, (areas.get(a) ?? 0) + t);
  const key = `${callFrame.functionName || "(anonymous)"} ${a}:${callFrame.lineNumber + 1}`;
  functions.set(key, (functions.get(key) ?? 0) + t);
}

const pct = (t: number) => `${((100 * t) / total).toFixed(1).padStart(5)} %`;
console.log(`Total sampled: ${(total / 1000).toFixed(0)} ms`);
console.log("\nSelf time by area:");
for (const [a, t] of [...areas].sort((x, y) => y[1] - x[1]).slice(0, top)) console.log(`${pct(t)}  ${(t / 1000).toFixed(0).padStart(7)} ms  ${a}`);
console.log("\nSelf time by function:");
for (const [f, t] of [...functions].sort((x, y) => y[1] - x[1]).slice(0, top)) console.log(`${pct(t)}  ${f}`);

if (stackPattern) {
  // Total time (self + descendants) of matching frames, by their call path.
  const inclusive = new Map<number, number>();
  const addUp = (id: number): number => {
    const n = byId.get(id)!;
    let t = selfTime.get(id) ?? 0;
    for (const c of n.children ?? []) t += addUp(c);
    inclusive.set(id, t);
    return t;
  };
  for (const n of profile.nodes) if (!parent.has(n.id)) addUp(n.id);
  const paths = new Map<string, number>();
  const re = new RegExp(stackPattern);
  for (const n of profile.nodes) {
    if (!re.test(n.callFrame.functionName)) continue;
    // Skip frames nested in another matching frame (counted there).
    let p = parent.get(n.id);
    let nested = false;
    while (p !== undefined) {
      if (re.test(byId.get(p)!.callFrame.functionName)) { nested = true; break; }
      p = parent.get(p);
    }
    if (nested) continue;
    const chain: string[] = [];
    p = parent.get(n.id);
    while (p !== undefined && chain.length < 8) {
      const f = byId.get(p)!.callFrame;
      if (f.url && !f.url.startsWith("node:")) chain.push(`${f.functionName || "(anon)"}@${area(f.url, f.functionName)}`);
      p = parent.get(p);
    }
    const key = `${n.callFrame.functionName} ← ${chain.slice(0, 5).join(" ← ")}`;
    paths.set(key, (paths.get(key) ?? 0) + (inclusive.get(n.id) ?? 0));
  }
  console.log(`\nInclusive time of /${stackPattern}/ by caller chain:`);
  for (const [k, t] of [...paths].sort((x, y) => y[1] - x[1]).slice(0, top)) console.log(`${pct(t)}  ${k}`);
}
