// A cheap, iterative look at the shape of a JSON body before anything parses
// it as JSON-LD. JSON-LD expansion costs grow with nesting depth (a 14 KB
// body of 500 nested objects stalls the process for seconds), and Fedify
// expands every inbox body before it checks a signature, so the inbox guard
// refuses bodies that are not a JSON object, nest too deep or hold too many
// values, reading the bytes once, without recursion and without allocating.

export interface JsonShapeLimits {
  /** Deepest nesting of objects and arrays (the top-level object is depth 1). */
  maxDepth: number;
  /** Most values in the document: object members plus array items, all levels together. */
  maxMembers: number;
}

export type JsonShapeProblem =
  | { kind: "not-object"; message: string }
  | { kind: "too-deep"; message: string }
  | { kind: "too-many-members"; message: string };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

/**
 * Returns why `body` is refused, or null when its shape is within the
 * limits. Malformed JSON is not judged here (JSON.parse reports it); the
 * scan only has to be right for well-formed input and finite for any input.
 */
export function checkJsonShape(body: Uint8Array, limits: JsonShapeLimits): JsonShapeProblem | null {
  // A UTF-8 byte order mark, as JSON decoders skip it.
  let i = body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0;
  while (i < body.length && isSpace(body[i])) i++;
  if (i >= body.length || body[i] !== OPEN_OBJECT) {
    return { kind: "not-object", message: "The body must be a JSON object (an ActivityPub activity)." };
  }
  // Which kind of container each open level is: only levels up to the limit are ever stored.
  const stack = new Uint8Array(limits.maxDepth + 1);
  let depth = 0;
  let members = 0;
  let inString = false;
  // An array just opened: its first item counts when something other than `]` follows.
  let arrayOpened = false;
  for (; i < body.length; i++) {
    const b = body[i];
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
      continue;
    }
    if (isSpace(b)) continue;
    if (arrayOpened) {
      arrayOpened = false;
      if (b !== CLOSE_ARRAY) members++;
    }
    switch (b) {
      case QUOTE:
        inString = true;
        break;
      case OPEN_OBJECT:
      case OPEN_ARRAY:
        depth++;
        if (depth > limits.maxDepth) {
          return { kind: "too-deep", message: `The JSON body nests deeper than ${limits.maxDepth} levels of objects and arrays.` };
        }
        stack[depth] = b;
        arrayOpened = b === OPEN_ARRAY;
        break;
      case CLOSE_OBJECT:
      case CLOSE_ARRAY:
        if (depth > 0) depth--;
        break;
      case COLON:
        members++;
        break;
      case COMMA:
        if (depth > 0 && stack[depth] === OPEN_ARRAY) members++;
        break;
    }
    if (members > limits.maxMembers) {
      return { kind: "too-many-members", message: `The JSON body holds more than ${limits.maxMembers} values (object members and array items).` };
    }
  }
  return null;
}
