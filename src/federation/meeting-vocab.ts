// The Event terms Fedify's vocabulary lacks — Mobilizon's (timezone,
// participantCount, joinMode, isOnline, ical:status) and schema.org's /
// FEP-8a8e's (maximumAttendeeCapacity, remainingAttendeeCapacity,
// eventStatus) — added to the JSON after Fedify has serialised it, with an
// inline @context (never a remote context receivers would have to fetch).
//
// A served Event carries them itself (MeetingEvent); an activity carrying
// an Event (Create, Update) looks them up by its own id while it is
// serialised, as GroupUpdate does (Fedify serialises nested objects itself).
import { Create, Event, Update } from "@fedify/vocab";

type JsonLdOptions = Parameters<Event["toJsonLd"]>[0];

type Json = Record<string, unknown>;

export const EVENT_EXTENSION_CONTEXT = {
  mz: "https://joinmobilizon.org/ns#",
  sc: "http://schema.org#",
  ical: "http://www.w3.org/2002/12/cal/ical#",
  timezone: { "@id": "mz:timezone", "@type": "sc:Text" },
  participantCount: { "@id": "mz:participantCount", "@type": "sc:Number" },
  joinMode: { "@id": "mz:joinMode", "@type": "mz:joinModeType" },
  isOnline: { "@id": "mz:isOnline", "@type": "sc:Boolean" },
  maximumAttendeeCapacity: "sc:maximumAttendeeCapacity",
  remainingAttendeeCapacity: "sc:remainingAttendeeCapacity",
  eventStatus: { "@id": "https://schema.org/eventStatus", "@type": "@id" },
} as const;

/** The extra terms of one Event. */
export interface EventTerms {
  timezone: string;
  participantCount: number;
  maximumAttendeeCapacity?: number;
  remainingAttendeeCapacity?: number;
  joinMode: "free" | "restricted";
  isOnline: boolean;
  "ical:status": "CONFIRMED" | "CANCELLED";
  eventStatus: string;
}

export function withEventContext(json: Json): Json {
  const context = json["@context"];
  const contexts = Array.isArray(context) ? context : context === undefined ? [] : [context];
  return { ...json, "@context": [...contexts, EVENT_EXTENSION_CONTEXT] };
}

const termsOf = new WeakMap<Event, EventTerms>();

/** An Event that serialises with its Mobilizon and schema.org terms. */
export class MeetingEvent extends Event {
  static build(values: ConstructorParameters<typeof Event>[0], terms: EventTerms): MeetingEvent {
    const e = new MeetingEvent(values);
    termsOf.set(e, terms);
    return e;
  }

  override async toJsonLd(options?: JsonLdOptions): Promise<unknown> {
    const json = await super.toJsonLd(options);
    const terms = termsOf.get(this);
    if (!terms || options?.format === "expand" || json === null || typeof json !== "object") return json;
    return withEventContext({ ...(json as Json), ...terms });
  }
}

const activityTerms = new Map<string, EventTerms>();

async function extendObject(json: unknown, id: URL | null, options?: JsonLdOptions): Promise<unknown> {
  const terms = id ? activityTerms.get(id.href) : undefined;
  if (!terms || options?.format === "expand" || json === null || typeof json !== "object") return json;
  const object = (json as Json).object;
  if (object === null || typeof object !== "object" || (object as Json).type !== "Event") return json;
  return withEventContext({ ...(json as Json), object: { ...(object as Json), ...terms } });
}

/** Runs `fn` (which sends the activity) with the Event's terms known to its serialisation. */
export async function withEventTerms<T>(activityId: URL, terms: EventTerms, fn: () => Promise<T>): Promise<T> {
  activityTerms.set(activityId.href, terms);
  try {
    return await fn();
  } finally {
    activityTerms.delete(activityId.href);
  }
}

export class EventCreate extends Create {
  override async toJsonLd(options?: JsonLdOptions): Promise<unknown> {
    return extendObject(await super.toJsonLd(options), this.id, options);
  }
}

export class EventUpdate extends Update {
  override async toJsonLd(options?: JsonLdOptions): Promise<unknown> {
    return extendObject(await super.toJsonLd(options), this.id, options);
  }
}
