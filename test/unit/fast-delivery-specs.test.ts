// The delivery fast path (src/federation/fast-delivery.ts) asks the store
// which signature format each origin takes. A fan-out starts deliveries to
// hundreds of new origins at once: their specs are read in one statement
// (KyselyKvStore.getMany), not one round trip each, then cached.
import type { KvKey, KvStore } from "@fedify/fedify";
import { expect, it } from "vitest";
import { FastDelivery } from "../../src/federation/fast-delivery.ts";

const RSA = { keyId: "https://cop.example/c/fast#main-key", privateKey: { kty: "RSA", alg: "RS256", d: "x", n: "y", e: "AQAB" } as JsonWebKey };

/** A store where every origin takes RFC 9421, so deliveries stop before sending; counts the reads. */
function store(withGetMany: boolean) {
  const calls = { get: 0, getMany: [] as number[] };
  const kv = {
    async get() {
      calls.get++;
      return "rfc9421";
    },
    async *list() {},
    async set() {},
    async delete() {},
    ...(withGetMany ? {
      async getMany(keys: readonly KvKey[]) {
        calls.getMany.push(keys.length);
        return keys.map(() => "rfc9421");
      },
    } : {}),
  } as unknown as KvStore;
  return { kv, calls };
}

const deliveries = (n: number, round: string) => Array.from({ length: n }, (_, i) => ({
  type: "outbox", inbox: `https://h${i}.example/inbox`, activity: { id: `https://cop.example/a/${round}${i}` }, keys: [RSA],
}));

it("reads the specs of the origins a fan-out starts at once in one batch, then from memory", async () => {
  const { kv, calls } = store(true);
  const fast = new FastDelivery({ kv, circuitBreaker: false, firstKnock: "draft-cavage-http-signatures-12" });
  const outcomes = await Promise.all(deliveries(300, "a").map((m) => fast.deliver(m)));
  expect(outcomes.every((o) => !o.delivered && o.reason === "the origin takes RFC 9421")).toBe(true);
  expect(calls.getMany).toEqual([300]);
  expect(calls.get).toBe(0);
  await Promise.all(deliveries(300, "b").map((m) => fast.deliver(m)));
  expect(calls.getMany).toEqual([300]);
});

it("reads them one by one from a store that cannot read several", async () => {
  const { kv, calls } = store(false);
  const fast = new FastDelivery({ kv, circuitBreaker: false, firstKnock: "draft-cavage-http-signatures-12" });
  const outcomes = await Promise.all(deliveries(20, "a").map((m) => fast.deliver(m)));
  expect(outcomes.every((o) => !o.delivered && o.reason === "the origin takes RFC 9421")).toBe(true);
  expect(calls.get).toBe(20);
});

it("answers every delivery waiting on a batch when the store fails, and reads again next time", async () => {
  let fail = true;
  const kv = {
    async getMany(keys: readonly KvKey[]) {
      if (fail) throw new Error("database unavailable");
      return keys.map(() => "rfc9421");
    },
    async get() { return undefined; },
    async *list() {},
  } as unknown as KvStore;
  const fast = new FastDelivery({ kv, circuitBreaker: false, firstKnock: "draft-cavage-http-signatures-12" });
  const failed = await Promise.all(deliveries(5, "a").map((m) => fast.deliver(m)));
  expect(failed.every((o) => !o.delivered && o.reason === "state unavailable")).toBe(true);
  fail = false;
  const later = await Promise.all(deliveries(5, "b").map((m) => fast.deliver(m)));
  expect(later.every((o) => !o.delivered && o.reason === "the origin takes RFC 9421")).toBe(true);
});
