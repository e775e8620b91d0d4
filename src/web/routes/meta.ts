// robots.txt and the favicon. The icon (three linked communities on a blue
// square) is drawn here once at start-up as a 32×32 PNG inside an ICO file,
// so the repository carries no binary.
import { crc32, deflateSync } from "node:zlib";
import { Hono } from "hono";
import type { WebEnv } from "../public-origin.ts";

const SIZE = 32;

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([length, body, crc]);
}

/** RGBA of one pixel of the icon. */
function pixel(x: number, y: number): [number, number, number, number] {
  const cx = x + 0.5;
  const cy = y + 0.5;
  // Rounded square.
  const r = 6;
  const dx = Math.max(r - cx, 0, cx - (SIZE - r));
  const dy = Math.max(r - cy, 0, cy - (SIZE - r));
  if (dx * dx + dy * dy > r * r) return [0, 0, 0, 0];
  const blue: [number, number, number, number] = [29, 78, 216, 255];
  const white: [number, number, number, number] = [255, 255, 255, 255];
  const dots: [number, number][] = [[16, 9], [9, 23], [23, 23]];
  for (const [px, py] of dots) if ((cx - px) ** 2 + (cy - py) ** 2 <= 16) return white;
  // Lines from the top dot to the two below.
  for (const [px, py] of dots.slice(1)) {
    const [ax, ay] = dots[0];
    const t = Math.max(0, Math.min(1, ((cx - ax) * (px - ax) + (cy - ay) * (py - ay)) / ((px - ax) ** 2 + (py - ay) ** 2)));
    const d = Math.hypot(cx - (ax + t * (px - ax)), cy - (ay + t * (py - ay)));
    if (d <= 1.2) return white;
  }
  return blue;
}

function iconPng(): Buffer {
  const raw = Buffer.alloc(SIZE * (SIZE * 4 + 1));
  for (let y = 0; y < SIZE; y++) {
    raw[y * (SIZE * 4 + 1)] = 0;
    for (let x = 0; x < SIZE; x++) raw.set(pixel(x, y), y * (SIZE * 4 + 1) + 1 + x * 4);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(SIZE, 0);
  header.writeUInt32BE(SIZE, 4);
  header.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header), chunk("IDAT", deflateSync(raw)), chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** An ICO file holding one PNG image (supported by every current browser). */
export function faviconIco(): Buffer {
  const png = iconPng();
  const dir = Buffer.alloc(22);
  dir.writeUInt16LE(0, 0);
  dir.writeUInt16LE(1, 2);
  dir.writeUInt16LE(1, 4);
  dir.set([SIZE, SIZE, 0, 0], 6);
  dir.writeUInt16LE(1, 10);
  dir.writeUInt16LE(32, 12);
  dir.writeUInt32LE(png.length, 14);
  dir.writeUInt32LE(22, 18);
  return Buffer.concat([dir, png]);
}

export const ROBOTS_TXT = `User-agent: *
Disallow: /console
Disallow: /login
Disallow: /api/
`;

export function metaRoutes(): Hono<WebEnv> {
  const r = new Hono<WebEnv>();
  const icon = new Uint8Array(faviconIco());
  r.get("/robots.txt", (c) => c.text(ROBOTS_TXT, 200, { "Cache-Control": "public, max-age=86400" }));
  r.get("/favicon.ico", (c) => c.body(icon, 200, { "Content-Type": "image/x-icon", "Cache-Control": "public, max-age=604800" }));
  return r;
}
