// Draws pawcam's icons (a white paw on a coloured disc) and writes them as PNGs with a tiny encoder over
// node:zlib. The PNGs are committed; run `node build/make-icons.mjs` again only to change the artwork.
//   build/icon.png              512×512 app icon (electron-builder makes .ico/.icns from it)
//   build/runtime/pawcam.png    256×256 window and notification icon
//   build/runtime/tray*.png     16×16 tray icons (+ @2x 32×32), normal and offline variants
//   build/runtime/tray*Template.png  the same for the macOS menu bar: black + alpha only. macOS tints a "Template"
//                               image for light/dark menu bars and the highlighted state (Electron's nativeImage
//                               marks a file whose name ends in "Template" as such); a coloured icon looks foreign.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));

/** Encode RGBA pixels (Uint8Array, width*height*4) as a PNG. */
export function encodePng(width, height, rgba) {
  const chunk = (type, data) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, 'latin1');
    data.copy(out, 8);
    out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0; // filter: none
    Buffer.from(rgba.buffer, rgba.byteOffset + y * width * 4, width * 4).copy(raw, y * (width * 4 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const inEllipse = (x, y, cx, cy, rx, ry) => ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1;

// The paw in unit coordinates: a main pad and four toes.
const PAW = [
  [0.5, 0.63, 0.2, 0.165],
  [0.265, 0.415, 0.085, 0.105],
  [0.415, 0.3, 0.088, 0.11],
  [0.585, 0.3, 0.088, 0.11],
  [0.735, 0.415, 0.085, 0.105],
];

/**
 * Draw one icon of `size` px: disc `colour`, white paw, optional red "offline" badge. A `template` icon is the paw
 * alone in black (dimmed when offline, with a solid badge), since a template image speaks only through its alpha.
 */
function draw(size, colour, { badge = false, template = false } = {}) {
  const ss = 4; // supersampling per axis, for smooth edges
  const rgba = new Uint8Array(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < ss; sy++) {
        for (let sx = 0; sx < ss; sx++) {
          const x = (px + (sx + 0.5) / ss) / size;
          const y = (py + (sy + 0.5) / ss) / size;
          let c = null;
          let coverage = 1;
          if (template) {
            // Without the disc the paw can fill the menu bar's square: scale it up by 1.3 about the centre.
            const [tx, ty] = [0.5 + (x - 0.5) / 1.3, 0.5 + (y - 0.5) / 1.3];
            if (PAW.some(([cx, cy, rx, ry]) => inEllipse(tx, ty, cx, cy, rx, ry))) {
              c = [0, 0, 0];
              coverage = badge ? 0.45 : 1;
            }
            if (badge && inEllipse(x, y, 0.8, 0.8, 0.24, 0.24)) c = null;
            if (badge && inEllipse(x, y, 0.8, 0.8, 0.17, 0.17)) {
              c = [0, 0, 0];
              coverage = 1;
            }
          } else {
            if (inEllipse(x, y, 0.5, 0.5, 0.48, 0.48)) c = colour;
            if (c && PAW.some(([cx, cy, rx, ry]) => inEllipse(x, y, cx, cy, rx, ry))) c = [255, 255, 255];
          }
          if (badge && !template) {
            if (inEllipse(x, y, 0.8, 0.8, 0.22, 0.22)) c = [255, 255, 255];
            if (inEllipse(x, y, 0.8, 0.8, 0.17, 0.17)) c = [220, 38, 38];
          }
          if (!c) continue;
          r += c[0] * coverage;
          g += c[1] * coverage;
          b += c[2] * coverage;
          a += coverage;
        }
      }
      const i = (py * size + px) * 4;
      if (a > 0) {
        rgba[i] = Math.round(r / a);
        rgba[i + 1] = Math.round(g / a);
        rgba[i + 2] = Math.round(b / a);
        rgba[i + 3] = Math.round((255 * a) / (ss * ss));
      }
    }
  }
  return encodePng(size, size, rgba);
}

const ORANGE = [232, 121, 36];
const GREY = [128, 134, 145];

function write(path, png) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, png);
  console.log(`wrote ${path} (${png.length} bytes)`);
}

write(join(here, 'icon.png'), draw(512, ORANGE));
write(join(here, 'runtime', 'pawcam.png'), draw(256, ORANGE));
write(join(here, 'runtime', 'tray.png'), draw(16, ORANGE));
write(join(here, 'runtime', 'tray@2x.png'), draw(32, ORANGE));
write(join(here, 'runtime', 'tray-offline.png'), draw(16, GREY, { badge: true }));
write(join(here, 'runtime', 'tray-offline@2x.png'), draw(32, GREY, { badge: true }));
write(join(here, 'runtime', 'trayTemplate.png'), draw(16, null, { template: true }));
write(join(here, 'runtime', 'trayTemplate@2x.png'), draw(32, null, { template: true }));
write(join(here, 'runtime', 'tray-offlineTemplate.png'), draw(16, null, { template: true, badge: true }));
write(join(here, 'runtime', 'tray-offlineTemplate@2x.png'), draw(32, null, { template: true, badge: true }));
