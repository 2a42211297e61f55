import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLIP_CHUNK_BYTES, encodeBase64, type ClipAckMessage, type ClipChunkMessage } from '../../../protocol/event-messages.ts';
import { ClipReceiver, SYNC_EVERY_BYTES } from './clip-receiver.ts';
import { EventIndex } from './event-index.ts';

const AT = new Date(2027, 0, 15, 14, 30, 5).getTime();
const EVENT = '00000000000000e1';
let dir: string;
let clips: string;
let index: EventIndex;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pawcam-clips-'));
  clips = join(dir, 'clips');
  index = new EventIndex(join(dir, 'events.sqlite'));
  index.insertEvent({ cameraId: 'cam-a', id: EVENT, kind: 'motion', at: AT, durationMs: 3000, strength: 0.1, levelDbfs: null, battery: null, thumbnail: null, clip: null, clipBytes: 0, clipExpected: true, seen: false, receivedAt: AT });
});
afterEach(async () => {
  index.close();
  await rm(dir, { recursive: true, force: true });
});

function clipBytes(size: number, seed = 7): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed;
  for (let i = 0; i < size; i++) out[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return out;
}

function chunks(bytes: Uint8Array, eventId = EVENT, sha = createHash('sha256').update(bytes).digest('hex')): ClipChunkMessage[] {
  const out: ClipChunkMessage[] = [];
  for (let offset = 0; offset < bytes.length; offset += CLIP_CHUNK_BYTES) {
    out.push({ t: 'clip-chunk', eventId, offset, total: bytes.length, sha256: sha, mimeType: 'video/webm;codecs=vp8,opus', startedAt: AT - 3000, data: encodeBase64(bytes.subarray(offset, offset + CLIP_CHUNK_BYTES)) });
  }
  return out;
}

const receiver = (syncEveryBytes?: number): ClipReceiver =>
  new ClipReceiver({ index, clipsDir: () => clips, cameraName: () => 'Living room', now: () => AT, ...(syncEveryBytes ? { syncEveryBytes } : {}) });

/** Send chunks like the camera: from `from`, following the desktop's acks, until complete (bounded). */
async function deliver(r: ClipReceiver, all: ClipChunkMessage[], from = 0): Promise<ClipAckMessage[]> {
  const acks: ClipAckMessage[] = [];
  let offset = from;
  for (let i = 0; i < all.length * 3; i++) {
    const chunk = all.find((c) => c.offset === offset) ?? all[0]!;
    const ack = await r.receive('cam-a', chunk);
    acks.push(ack);
    if (ack.status === 'complete') return acks;
    offset = ack.offset;
  }
  throw new Error('clip never completed');
}

describe('ClipReceiver', () => {
  it('assembles a clip, checks its hash and saves it under the camera and day, attached to its event', async () => {
    const bytes = clipBytes(40_000);
    const acks = await deliver(receiver(), chunks(bytes));
    expect(acks.at(-1)).toEqual({ t: 'clip-ack', eventId: EVENT, offset: 40_000, status: 'complete' });
    expect(acks.slice(0, -1).every((a) => a.status === 'stored')).toBe(true);
    const event = index.getEvent('cam-a', EVENT)!;
    expect(event.clip).toBe(join('Living-room', '2027-01-15', 'pawcam-Living-room-2027-01-15_14-30-05-motion.webm'));
    expect(event.clipBytes).toBe(40_000);
    expect(await readFile(join(clips, event.clip!))).toEqual(Buffer.from(bytes));
    expect(await readdir(join(clips, '.incoming'))).toEqual([]);
    expect(index.getPart('cam-a', EVENT)).toBeNull();
    // A late duplicate chunk changes nothing and is told the clip is complete.
    expect((await receiver().receive('cam-a', chunks(bytes)[1]!)).status).toBe('complete');
  });

  it('a chunk that does not start where the saved part ends gets "resume" at the right offset', async () => {
    const all = chunks(clipBytes(50_000));
    const r = receiver();
    expect(await r.receive('cam-a', all[1]!)).toMatchObject({ status: 'resume', offset: 0 });
    expect(await r.receive('cam-a', all[0]!)).toMatchObject({ status: 'stored', offset: CLIP_CHUNK_BYTES });
    expect(await r.receive('cam-a', all[2]!)).toMatchObject({ status: 'resume', offset: CLIP_CHUNK_BYTES });
    expect(await r.receive('cam-a', all[0]!)).toMatchObject({ status: 'resume', offset: CLIP_CHUNK_BYTES });
  });

  it('a clip that does not match its hash is thrown away and asked for again', async () => {
    const bytes = clipBytes(30_000);
    const wrong = chunks(bytes, EVENT, 'a'.repeat(64));
    const acks = [];
    const r = receiver();
    for (const c of wrong) acks.push(await r.receive('cam-a', c));
    expect(acks.at(-1)).toEqual({ t: 'clip-ack', eventId: EVENT, offset: 0, status: 'corrupt' });
    expect(index.getEvent('cam-a', EVENT)?.clip).toBeNull();
    expect(await readdir(join(clips, '.incoming'))).toEqual([]);
  });

  it('never overwrites: a second clip with the same name gets a suffix', async () => {
    const name = 'pawcam-Living-room-2027-01-15_14-30-05-motion.webm';
    await mkdir(join(clips, 'Living-room', '2027-01-15'), { recursive: true });
    await writeFile(join(clips, 'Living-room', '2027-01-15', name), 'precious');
    await deliver(receiver(), chunks(clipBytes(20_000)));
    expect(await readFile(join(clips, 'Living-room', '2027-01-15', name), 'utf8')).toBe('precious');
    expect(index.getEvent('cam-a', EVENT)?.clip).toMatch(/-motion-2\.webm$/);
  });

  it('a clip for an unknown event is discarded, not saved', async () => {
    const ack = await receiver().receive('cam-a', chunks(clipBytes(100), '00000000000000ff')[0]!);
    expect(ack.status).toBe('complete');
    await expect(stat(join(clips, '.incoming'))).rejects.toThrow();
  });

  it('acknowledges chunks as they are written and flushes every so often; a restart resumes from the last flush', async () => {
    const all = chunks(clipBytes(60_000));
    const r = receiver();
    const acks = [];
    for (const c of all.slice(0, 3)) acks.push(await r.receive('cam-a', c));
    expect(acks.map((a) => [a.status, a.offset])).toEqual([1, 2, 3].map((n) => ['stored', n * CLIP_CHUNK_BYTES]));
    // Nothing flushed yet (far below SYNC_EVERY_BYTES): the index still says 0, and after a restart so does the file.
    expect(index.getPart('cam-a', EVENT)!.offset).toBe(0);
    expect(SYNC_EVERY_BYTES).toBeGreaterThan(3 * CLIP_CHUNK_BYTES);
    const restarted = receiver();
    await restarted.recover();
    expect((await stat(restarted.partPath('cam-a', EVENT))).size).toBe(0);
    expect(await restarted.receive('cam-a', all[3]!)).toMatchObject({ status: 'resume', offset: 0 });
  });

  it('after a crash, bytes past the confirmed offset are cut and delivery resumes there', async () => {
    const bytes = clipBytes(60_000);
    const all = chunks(bytes);
    // A flush every two chunks: the crash comes right after one.
    const r = receiver(2 * CLIP_CHUNK_BYTES);
    await r.receive('cam-a', all[0]!);
    await r.receive('cam-a', all[1]!);
    // The process died while writing the third chunk: half of it (and garbage) reached the file, not the index.
    await appendFile(r.partPath('cam-a', EVENT), Buffer.from('half a chunk and some garbage'));
    const restarted = receiver(2 * CLIP_CHUNK_BYTES);
    await restarted.recover();
    expect((await stat(restarted.partPath('cam-a', EVENT))).size).toBe(2 * CLIP_CHUNK_BYTES);
    // The camera only saw the first ack: it resends from there and is told where to go on.
    const acks = await deliver(restarted, all, CLIP_CHUNK_BYTES);
    expect(acks[0]).toMatchObject({ status: 'resume', offset: 2 * CLIP_CHUNK_BYTES });
    expect(await readFile(join(clips, index.getEvent('cam-a', EVENT)!.clip!))).toEqual(Buffer.from(bytes));
  });

  it('recover removes .part files the index does not know', async () => {
    await mkdir(join(clips, '.incoming'), { recursive: true });
    await writeFile(join(clips, '.incoming', 'cam-x-0000000000000000.part'), 'stale');
    await receiver().recover();
    expect(await readdir(join(clips, '.incoming'))).toEqual([]);
  });

  it('a desktop killed mid-transfer resumes and saves the clip whole', async () => {
    const bytes = clipBytes(120_000);
    const all = chunks(bytes);
    await writeFile(join(dir, 'chunks.json'), JSON.stringify(all));
    index.close();
    const child = join(dir, 'receiver.mjs');
    const src = (file: string): string => JSON.stringify(pathToFileURL(join(import.meta.dirname, file)).href);
    // The child receives chunk after chunk and prints each ack; it is SIGKILLed part-way through.
    await writeFile(
      child,
      `import { readFileSync } from 'node:fs';
       import { EventIndex } from ${src('event-index.ts')};
       import { ClipReceiver } from ${src('clip-receiver.ts')};
       const [db, clips, chunksFile] = process.argv.slice(2);
       const all = JSON.parse(readFileSync(chunksFile, 'utf8'));
       const index = new EventIndex(db);
       const r = new ClipReceiver({ index, clipsDir: () => clips, cameraName: () => 'Living room', now: () => Date.now(), syncEveryBytes: ${2 * CLIP_CHUNK_BYTES} });
       for (let i = 0; ; i = (i + 1) % all.length) {
         const ack = await r.receive('cam-a', all[i]);
         process.stdout.write(JSON.stringify(ack) + '\\n');
       }`,
    );
    const proc = spawn(process.execPath, ['--no-warnings', child, join(dir, 'events.sqlite'), clips, join(dir, 'chunks.json')], { stdio: ['ignore', 'pipe', 'inherit'] });
    let lastAck = 0;
    await new Promise<void>((resolve, reject) => {
      const timeout = setTimeout(() => reject(new Error('the receiver child did not get far enough in 15 s')), 15_000);
      let buffer = '';
      proc.stdout.on('data', (data: Buffer) => {
        buffer += data.toString();
        const lines = buffer.split('\n');
        buffer = lines.pop()!;
        for (const line of lines) {
          const ack = JSON.parse(line) as ClipAckMessage;
          if (ack.status === 'stored') lastAck = ack.offset;
        }
        if (lastAck >= 4 * CLIP_CHUNK_BYTES && !proc.killed) proc.kill('SIGKILL');
      });
      proc.on('exit', (_code, signal) => {
        clearTimeout(timeout);
        if (signal === 'SIGKILL') resolve();
        else reject(new Error(`receiver exited by itself (${_code})`));
      });
    });
    expect(lastAck).toBeGreaterThan(0);
    expect(lastAck).toBeLessThan(bytes.length);
    index = new EventIndex(join(dir, 'events.sqlite'));
    const restarted = receiver();
    await restarted.recover();
    const part = index.getPart('cam-a', EVENT)!;
    // What was flushed survived; at most the chunks acked since the last flush (two here) are asked for again. (The
    // child may have got further than the acks read before the kill, so the part may also be ahead of lastAck.)
    expect(part.offset).toBeGreaterThanOrEqual(lastAck - 2 * CLIP_CHUNK_BYTES);
    expect((await stat(restarted.partPath('cam-a', EVENT))).size).toBe(part.offset);
    await deliver(restarted, all, lastAck);
    expect(await readFile(join(clips, index.getEvent('cam-a', EVENT)!.clip!))).toEqual(Buffer.from(bytes));
  });
});
