/**
 * Packaging checks that run offline: electron-builder's own loader and schema validation over
 * electron-builder.yml (installers need downloads and cannot be built here), plus the facts the app relies on at
 * run time — the icons it loads exist as real PNGs, and package.json's "main" is where the node build puts main.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config.js';
import type { Configuration } from 'app-builder-lib';
import { DebugLogger } from 'builder-util';
import { describe, expect, it } from 'vitest';
import { APP_ID, ICON_FILES, appPaths } from './paths.ts';
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
