/**
 * Packaging checks that run offline: electron-builder's own loader and schema validation over
 * electron-builder.yml (installers need downloads and cannot be built here), plus the facts the app relies on at
 * run time — the icons it loads exist as real PNGs, and package.json's "main" is where the node build puts main.
 */
import { existsSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config.js';
import type { Configuration } from 'app-builder-lib';
import { DebugLogger } from 'builder-util';
import { describe, expect, it } from 'vitest';
import { APP_ID, ICON_FILES, appPaths, trayIconFiles } from './paths.ts';
import { validatePng } from './snapshots.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('electron-builder.yml', () => {
  it('loads and passes electron-builder\'s schema validation', async () => {
    const config: Configuration = await getConfig(root, join(root, 'electron-builder.yml'), null);
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
    expect(config.appId).toBe(APP_ID);
    expect(config.productName).toBe('pawcam');
  });

  it('builds AppImage + deb, NSIS and dmg, ships dist/ and the runtime icons', async () => {
    const config: Configuration = await getConfig(root, join(root, 'electron-builder.yml'), null);
    expect(config.linux?.target).toEqual(['AppImage', 'deb']);
    expect(config.win?.target).toEqual(['nsis']);
    expect(config.mac?.target).toEqual(['dmg']);
    // electron-builder's loader normalises `files` into one file set.
    expect(JSON.stringify(config.files)).toContain('"package.json","dist/**/*"');
    expect(config.extraResources).toEqual([{ from: 'build/runtime', to: 'icons', filter: ['*.png'] }]);
    expect(config.electronFuses).toMatchObject({ runAsNode: false, enableNodeOptionsEnvironmentVariable: false, onlyLoadAppFromAsar: true });
    for (const file of [config.icon, config.mac?.entitlements]) expect(existsSync(join(root, String(file))), String(file)).toBe(true);
  });

  it('Linux: deb metadata (homepage, author and maintainer with email), menu category, synopsis, desktop entry', async () => {
    const config: Configuration = await getConfig(root, join(root, 'electron-builder.yml'), null);
    const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { homepage?: string; author?: { name?: string; email?: string }; desktopName?: string };
    expect(new URL(pkg.homepage ?? '').protocol).toBe('https:');
    expect(pkg.author?.name).toBeTruthy();
    expect(pkg.author?.email).toMatch(/^[^@\s]+@[^@\s]+$/);
    expect(config.linux?.maintainer).toMatch(/^[^<]+ <[^@\s]+@[^>\s]+>$/);
    expect(config.linux?.category).toMatch(/^AudioVideo\b/);
    expect(config.linux?.synopsis).toBeTruthy();
    expect(pkg.desktopName).toBe(`${config.linux?.executableName}.desktop`);
    expect(config.linux?.desktop?.entry).toMatchObject({ StartupWMClass: 'pawcam', GenericName: expect.any(String) });
    // electron-builder's deb installs its AppArmor profile from its own after-install script: overriding either
    // would silently drop it (and the app would not start on Ubuntu 24.04+).
    expect(config.deb?.afterInstall ?? null).toBeNull();
    expect(config.deb?.appArmorProfile ?? null).toBeNull();
  });

  it('rejects a broken config (the validation is real)', async () => {
    const config = await getConfig(root, join(root, 'electron-builder.yml'), null);
    const typo = { ...config, linux: { ...config.linux, maintaner: 'x' } } as unknown as Configuration;
    await expect(validateConfiguration(typo, new DebugLogger(false))).rejects.toThrow(/configuration\.linux/);
    const wrongType = { ...config, nsis: { ...config.nsis, oneClick: 'yes' } } as unknown as Configuration;
    await expect(validateConfiguration(wrongType, new DebugLogger(false))).rejects.toThrow(/configuration\.nsis/);
  });
});

describe('files the app loads', () => {
  it('has every runtime icon as a real PNG of the right size, with @2x tray variants', async () => {
    const icons = appPaths({ appPath: root, isPackaged: false, resourcesPath: '/nope' }).icons;
    const size = async (file: string) => validatePng(new Uint8Array(await readFile(join(icons, file))));
    expect(await size(ICON_FILES.tray)).toEqual({ width: 16, height: 16 });
    expect(await size(ICON_FILES.trayOffline)).toEqual({ width: 16, height: 16 });
    expect(await size(ICON_FILES.tray.replace('.png', '@2x.png'))).toEqual({ width: 32, height: 32 });
    expect(await size(ICON_FILES.trayOffline.replace('.png', '@2x.png'))).toEqual({ width: 32, height: 32 });
    expect(await size(ICON_FILES.app)).toEqual({ width: 256, height: 256 });
    expect(validatePng(new Uint8Array(await readFile(join(root, 'build', 'icon.png'))))).toEqual({ width: 512, height: 512 });
  });

  it('macOS gets template tray icons (…Template.png, 16 px + @2x 32 px): black with alpha only, so macOS can tint them', async () => {
    const icons = appPaths({ appPath: root, isPackaged: false, resourcesPath: '/nope' }).icons;
    const mac = trayIconFiles('darwin');
    expect(mac).toEqual({ normal: ICON_FILES.trayTemplate, offline: ICON_FILES.trayOfflineTemplate });
    expect(trayIconFiles('linux')).toEqual({ normal: ICON_FILES.tray, offline: ICON_FILES.trayOffline });
    for (const file of [mac.normal, mac.offline]) {
      // nativeImage marks an image as a template by this exact file-name ending.
      expect(file).toMatch(/Template\.png$/);
      for (const [name, size] of [[file, 16], [file.replace('.png', '@2x.png'), 32]] as const) {
        const png = new Uint8Array(await readFile(join(icons, name)));
        expect(validatePng(png), name).toEqual({ width: size, height: size });
        const pixels = rgbaPixels(png, size);
        const drawn = pixels.filter(([, , , a]) => a > 0);
        expect(drawn.length, name).toBeGreaterThan(size * size * 0.15);
        expect(drawn.every(([r, g, b]) => r === 0 && g === 0 && b === 0), `${name} is not pure black`).toBe(true);
      }
    }
    // The offline variant must look different from the normal one (in alpha, the only channel macOS keeps).
    const alpha = async (file: string) => rgbaPixels(new Uint8Array(await readFile(join(icons, file))), 16).map((p) => p[3]).join(',');
    expect(await alpha(mac.offline)).not.toBe(await alpha(mac.normal));
  });

  it('package.json "main" is the node build of desktop/main/main.ts, and the packaged paths match the config', async () => {
    const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { main: string; type: string };
    expect(pkg.main).toBe('dist/node/desktop/main/main.js');
    expect(pkg.type).toBe('module');
    const packaged = appPaths({ appPath: '/app/resources/app.asar', isPackaged: true, resourcesPath: '/app/resources' });
    expect(packaged).toEqual({
      viewerRoot: join('/app/resources/app.asar', 'dist', 'viewer'),
      preload: join('/app/resources/app.asar', 'dist', 'preload', 'preload.cjs'),
      icons: join('/app/resources', 'icons'),
    });
  });
});

/** The RGBA pixels of one of our own PNGs (8-bit RGBA, every row with filter 0, as build/make-icons.mjs writes). */
function rgbaPixels(png: Uint8Array, size: number): [number, number, number, number][] {
  const buffer = Buffer.from(png);
  const chunks: Buffer[] = [];
  for (let offset = 8; offset < buffer.length; ) {
    const length = buffer.readUInt32BE(offset);
    const type = buffer.toString('latin1', offset + 4, offset + 8);
    if (type === 'IDAT') chunks.push(buffer.subarray(offset + 8, offset + 8 + length));
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(chunks));
  const pixels: [number, number, number, number][] = [];
  for (let y = 0; y < size; y++) {
    const row = y * (size * 4 + 1);
    expect(raw[row], 'PNG row filter').toBe(0);
    for (let x = 0; x < size; x++) {
      const i = row + 1 + x * 4;
      pixels.push([raw[i]!, raw[i + 1]!, raw[i + 2]!, raw[i + 3]!]);
    }
  }
  return pixels;
}
