/**
 * The desktop app's built code, packed by electron-builder and run under Node with a stand-in `electron`
 * (scripts/smoke-desktop.ts). It needs the build `npm run test:e2e` makes first. What it proves is listed check by
 * check in its output; this test fails on any failed check and names it. A second run hands the built main bundle
 * a camera's event and clip over IPC, as the viewer does, and looks for them in the SQLite index and the clips folder;
 * the timeline's listEvents gives the clip's pawcam://app/clips URL, main's scheme handler serves it (whole and a byte
 * range, as the video element asks) and the thumbnail, and openDailyReport writes the report there and opens it.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';
import { CLIP_CHUNK_BYTES, encodeBase64, type EventMessage } from '../protocol/event-messages.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

it('the packed desktop app starts, serves pawcam://app, reaches its server on loopback and quits (npm run smoke:desktop)', async () => {
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['scripts/smoke-desktop.ts'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (exit) => resolve({ code: exit, output }));
  });
  const failures = output.split('\n').filter((line) => line.startsWith('  ✗'));
  expect(failures, output.slice(-4000)).toEqual([]);
  expect(code, output.slice(-4000)).toBe(0);
  // The parts of the journey the issue names, each seen to pass.
  for (const step of [
    'app.asar holds /dist/preload/preload.cjs',
    'no source maps ship',
    'packed: the built main bundle loads as ESM (packed layout)',
    'packed: one tray icon, one main window',
    'packed: preload parses as a CommonJS script',
    'packed: pawcam://app/index.html is the viewer page',
    'packed: path traversal refused (403): pawcam://app/..%2fcamera-web%2findex.html',
    'packed: the embedded server answers /healthz on loopback (HTTPS)',
    'packed: Quit ends the app with exit code 0',
    'packed, Wayland: on Wayland with XWayland, main restarts itself before ready',
    'repository: pawcam://app/index.html is the viewer page',
    'electron-builder accepts the deb metadata (homepage, maintainer with email)',
    'the deb ships an AppArmor profile for /opt/pawcam/pawcam allowing user namespaces (Ubuntu 24.04+)',
    'packed AppImage, restart: the AppImage file itself runs again after the app exited',
  ]) {
    expect(output, step).toContain(`  ✓ ${step}`);
  }
}, 480_000);

/**
 * Runs in its own Node process (the stand-in `electron` is a module loader hook): starts the built main bundle from
 * the repository layout, waits for its IPC gate, makes the calls in PAWCAM_SMOKE_EVENTS as the main window, quits
 * from the tray, and prints one JSON line with each reply and what the stand-in saw.
 */
const EVENTS_DRIVER = `
import { register } from 'node:module';
const input = JSON.parse(process.env.PAWCAM_SMOKE_EVENTS);
const { installSmokeState } = await import(input.standIn);
for (const name of ['WAYLAND_DISPLAY', 'XDG_SESSION_TYPE', 'XDG_CURRENT_DESKTOP', 'XDG_SESSION_DESKTOP', 'APPIMAGE', 'PAWCAM_NATIVE_WAYLAND', 'PAWCAM_X11_RELAUNCHED']) delete process.env[name];
process.argv = [process.execPath];
process.resourcesPath = input.home + '/no-resources';
const state = installSmokeState({ appPath: input.root, isPackaged: false, pathsRoot: input.home, argv: process.argv });
register(input.loader, import.meta.url, { data: { electron: input.standIn } });
await import(input.main);
state.emitReady();
const deadline = Date.now() + 60000;
let main;
while (!(main = state.windows.find((w) => w.url.startsWith('pawcam://app/'))) || !state.ipcHandlers.has('events:handle-message')) {
  if (Date.now() > deadline) throw new Error('no main window or IPC gate; stand-in log: ' + state.log.slice(-10).join(' | '));
  await new Promise((resolve) => setTimeout(resolve, 25));
}
const sender = { sender: { id: main.webContents.id }, senderFrame: { parent: null, url: 'pawcam://app/index.html' } };
const replies = [];
for (const [channel, ...args] of input.calls) replies.push(await state.ipcHandlers.get(channel)(sender, ...args));
// The timeline's clip URL, fetched through main's pawcam:// handler as the renderer's <video> would: whole, then a range.
const served = [];
const listed = replies.find((r) => r.ok && Array.isArray(r.value) && r.value.some((e) => e && e.clipUrl));
if (listed) {
  const handler = state.protocolHandlers.get('pawcam');
  const event = listed.value.find((e) => e.clipUrl);
  for (const [url, headers] of [[event.clipUrl, {}], [event.clipUrl, { range: 'bytes=100-199' }], [event.thumbnailUrl, {}]]) {
    const response = await handler(new Request(url, { headers }));
    const bytes = Buffer.from(await response.arrayBuffer());
    served.push({ url, status: response.status, type: response.headers.get('content-type'), range: response.headers.get('content-range'), length: bytes.length, base64: bytes.toString('base64') });
  }
}
const openedPaths = state.log.filter((line) => line.startsWith('shell:openPath ')).map((line) => line.slice('shell:openPath '.length));
const tooltip = state.trays[0]?.tooltip ?? null;
const notifications = state.notifications.map((n) => n.title);
state.trays[0].menu.template.find((item) => item.id === 'quit').click();
const code = await state.quitted;
process.stdout.write(JSON.stringify({ replies, served, openedPaths, tooltip, notifications, code, problems: state.problems }) + '\\n');
process.exit(0);
`;

it('the built desktop app stores a camera event and its clip handed over IPC: a row in the SQLite index, files in the clips folder', async () => {
  const home = await mkdtemp(join(tmpdir(), 'pawcam-smoke-events-'));
  try {
    const camera = { id: 'smoke-cam', name: 'Hall', addedAt: 1 };
    const at = Date.now();
    const local = new Date(at);
    const day = `${local.getFullYear()}-${String(local.getMonth() + 1).padStart(2, '0')}-${String(local.getDate()).padStart(2, '0')}`;
    const jpeg = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0xff, 0xd9]);
    const event: EventMessage = { t: 'event', id: '5a0ce0000000e001', kind: 'motion', at, durationMs: 4000, strength: 0.3, levelDbfs: null, thumbnail: encodeBase64(jpeg), clip: true };
    const clip = randomBytes(2 * CLIP_CHUNK_BYTES + 100);
    const sha256 = createHash('sha256').update(clip).digest('hex');
    const chunks: EventMessage[] = [];
    for (let offset = 0; offset < clip.length; offset += CLIP_CHUNK_BYTES) {
      chunks.push({ t: 'clip-chunk', eventId: event.id, offset, total: clip.length, sha256, mimeType: 'video/webm;codecs=vp8,opus', startedAt: at - 3000, data: encodeBase64(clip.subarray(offset, offset + CLIP_CHUNK_BYTES)) });
    }
    const calls = [
      ['cameras:save', [camera]],
      ['events:detection-settings', camera.id],
      ['events:handle-message', 'cam-stranger', event],
      ['events:handle-message', camera.id, event],
      ...chunks.map((chunk) => ['events:handle-message', camera.id, chunk]),
      ['events:list', camera.id, day, null],
      ['events:open-report', camera.id, day],
    ];
    const input = {
      root,
      home,
      main: pathToFileURL(join(root, 'dist/node/desktop/main/main.js')).href,
      standIn: pathToFileURL(join(root, 'scripts/smoke-desktop-electron.ts')).href,
      loader: pathToFileURL(join(root, 'scripts/smoke-desktop-loader.mjs')).href,
      calls,
    };
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', EVENTS_DRIVER], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, PAWCAM_SMOKE_EVENTS: JSON.stringify(input), PAWCAM_LOG_LEVEL: 'warn' },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.once('error', reject);
      child.once('close', (exit) => resolve({ code: exit, stdout, stderr }));
    });
    expect(code, `${stdout}\n${stderr}`.slice(-4000)).toBe(0);
    const line = stdout.split('\n').find((l) => l.startsWith('{"replies"'));
    expect(line, `${stdout}\n${stderr}`.slice(-4000)).toBeDefined();
    type Served = { url: string; status: number; type: string | null; range: string | null; length: number; base64: string };
    const run = JSON.parse(line!) as { replies: unknown[]; served: Served[]; openedPaths: string[]; tooltip: string | null; notifications: string[]; code: number; problems: string[] };
    expect(run.problems).toEqual([]);
    const [saved, settings, stranger, ack, ...rest] = run.replies;
    const [listed, report] = rest.splice(-2);
    const chunkAcks = rest;
    expect(saved).toEqual({ ok: true, value: null });
    expect(settings).toMatchObject({ ok: true, value: { t: 'detection-settings' } });
    expect(stranger).toMatchObject({ ok: false, error: { code: 'peer-unavailable' } });
    expect(ack).toEqual({ ok: true, value: [{ t: 'event-ack', id: event.id }] });
    expect(chunkAcks.at(-1)).toEqual({ ok: true, value: [{ t: 'clip-ack', eventId: event.id, offset: clip.length, status: 'complete' }] });
    // The timeline lists the event with its clip and thumbnail as pawcam://app/clips URLs, which main's scheme serves.
    expect(listed).toEqual({
      ok: true,
      value: [expect.objectContaining({ id: event.id, kind: 'motion', clipPending: false, clipUrl: expect.stringMatching(/^pawcam:\/\/app\/clips\/Hall\/.*\.webm$/), thumbnailUrl: expect.stringMatching(/\.jpg$/) })],
    });
    const [whole, range, thumb] = run.served;
    expect(whole).toMatchObject({ status: 200, type: 'video/webm', length: clip.length });
    expect(createHash('sha256').update(Buffer.from(whole!.base64, 'base64')).digest('hex')).toBe(sha256);
    expect(range).toMatchObject({ status: 206, range: `bytes 100-199/${clip.length}`, length: 100 });
    expect(Buffer.from(range!.base64, 'base64')).toEqual(clip.subarray(100, 200));
    expect(thumb).toMatchObject({ status: 200, type: 'image/jpeg' });
    expect(Buffer.from(thumb!.base64, 'base64')).toEqual(Buffer.from(jpeg));
    // The daily report: written next to the day's clips and handed to the system to open.
    const reportPath = join(home, 'videos', 'pawcam', 'Hall', day, `pawcam-report-Hall-${day}.html`);
    expect(report).toEqual({ ok: true, value: { ok: true, path: reportPath } });
    expect(run.openedPaths).toEqual([reportPath]);
    expect(await readFile(reportPath, 'utf8')).toContain('Hall');
    expect(run.notifications).toContain('Hall: Motion');
    expect(run.tooltip).toContain('1 new event');
    expect(run.code).toBe(0);

    // What the owner finds after pawcam quit: the event in the index, the clip and thumbnail under Videos/pawcam.
    const db = new DatabaseSync(join(home, 'userData', 'events.sqlite'), { readOnly: true });
    const rows = db.prepare('SELECT camera_id, id, kind, clip FROM events').all();
    db.close();
    expect(rows).toEqual([{ camera_id: camera.id, id: event.id, kind: 'motion', clip: expect.stringMatching(/\.webm$/) }]);
    const clipPath = join(home, 'videos', 'pawcam', String((rows[0] as { clip: string }).clip));
    expect(createHash('sha256').update(await readFile(clipPath)).digest('hex')).toBe(sha256);
    const [folder] = await readdir(join(home, 'videos', 'pawcam', 'Hall'));
    expect(folder).toBe(day);
    expect((await readdir(join(home, 'videos', 'pawcam', 'Hall', day))).sort()).toEqual([
      expect.stringMatching(/-motion\.jpg$/),
      expect.stringMatching(/-motion\.webm$/),
      expect.stringMatching(/^pawcam-report-Hall-.*\.html$/),
    ]);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}, 180_000);
