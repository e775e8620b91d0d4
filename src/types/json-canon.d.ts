// json-canon (RFC 8785 JSON Canonicalization Scheme) ships no types.
declare module "json-canon" {
  export default function serialize(value: unknown): string;
}
