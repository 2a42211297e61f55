/**
 * Receives event clips in chunks from cameras and saves them into the clips folder.
 *
 * Each clip grows in `<clips>/.incoming/<camera>-<event>.part`. A chunk is accepted only where the written part
 * ends. Every SYNC_EVERY_BYTES, and at the last byte, the file is flushed and only then is its length committed to
 * the index — so the index's offset is the *verified* length: after a crash, bytes past it (chunks written but not
 * yet flushed, one half-written when the process died) are cut off, and the camera is told to resume from there.
 * Chunks in between are acknowledged once written: the camera keeps the whole clip until `complete`, so an ack need
 * not be durable, and a flush per 11 KiB chunk (with its SQLite commit) made a clip take minutes on a busy disk. When the last byte is in, the whole file's
 * SHA-256 must match what the camera announced; then it gets its final name (never overwriting) and is attached to
 * its event. The camera forgets a clip only on `complete`.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { join } from 'node:path';
import { decodeBase64, type ClipAckMessage, type ClipChunkMessage } from '../../../protocol/event-messages.ts';
import { createLogger } from '../../../protocol/log.ts';
import { clipExtension, dayFolder, eventFileName, incomingFolder, insideClips, publishNoOverwrite, syncFolder } from './clip-files.ts';
import type { EventIndex, PartRow } from './event-index.ts';

const log = createLogger('clip-receiver');

/** How many bytes of a clip are written between two flushes (and index commits) of its `.part` file. */
export const SYNC_EVERY_BYTES = 256 * 1024;

/** Collaborators of the receiver. */
export interface ClipReceiverDeps {
  index: EventIndex;
  /** The clips folder (a setting). */
  clipsDir(): string;
  cameraName(cameraId: string): string;
  now(): number;
  /** A clip was saved (for the timeline). */
  onSaved?(cameraId: string, eventId: string, path: string): void;
  /** Bytes between flushes (SYNC_EVERY_BYTES unless a test wants crashes at other points). */
  syncEveryBytes?: number;
}

/** SHA-256 of a file, hex. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Saves clips from chunks; one chunk at a time (chunks of a clip arrive in order on one channel anyway). */
export class ClipReceiver {
  readonly #deps: ClipReceiverDeps;
  #queue: Promise<unknown> = Promise.resolve();
  /** Per part (`camera/event`): bytes written by this process past the committed offset, not yet flushed. */
  readonly #written = new Map<string, number>();

  constructor(deps: ClipReceiverDeps) {
    this.#deps = deps;
  }

  /** The `.part` file of a clip being received. */
  partPath(cameraId: string, eventId: string): string {
    return join(incomingFolder(this.#deps.clipsDir()), `${cameraId}-${eventId}.part`);
  }

  /** Handle one chunk (already parsed) from `cameraId`; resolves to the ack to send back. */
  receive(cameraId: string, chunk: ClipChunkMessage): Promise<ClipAckMessage> {
    const run = this.#queue.then(() => this.#receive(cameraId, chunk));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /**
   * After a start (or crash): cut every `.part` back to its confirmed length, finish parts that were complete,
   * and delete `.part` files the index does not know.
   */
  async recover(): Promise<void> {
    const { index } = this.#deps;
    const known = new Set<string>();
    for (const part of index.listParts()) {
      const path = this.partPath(part.cameraId, part.eventId);
      known.add(path);
      const size = await fsp.stat(path).then((s) => s.size, () => -1);
      if (size < part.offset) {
        // The confirmed bytes are gone (the clips folder changed, or was cleaned): start this clip again.
        log.warn('a partly received clip is missing; it will be sent again', { eventId: part.eventId });
        await fsp.rm(path, { force: true });
        index.finishPart(part.cameraId, part.eventId, null);
        continue;
      }
      if (size > part.offset) await fsp.truncate(path, part.offset);
      if (part.offset === part.total) await this.#finish(part, path);
    }
    const dir = incomingFolder(this.#deps.clipsDir());
    const names = await fsp.readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      const path = join(dir, name);
      if (name.endsWith('.part') && !known.has(path)) await fsp.rm(path, { force: true });
    }
  }

  async #receive(cameraId: string, chunk: ClipChunkMessage): Promise<ClipAckMessage> {
    const { index } = this.#deps;
    const ack = (status: ClipAckMessage['status'], offset: number): ClipAckMessage => ({ t: 'clip-ack', eventId: chunk.eventId, offset, status });
    const event = index.getEvent(cameraId, chunk.eventId);
    if (!event) {
      // Nothing to attach it to (the event was deleted here, or never sent): let the camera forget it.
      log.warn('clip for an unknown event discarded', { cameraId, eventId: chunk.eventId });
      return ack('complete', chunk.total);
    }
    if (event.clip) return ack('complete', chunk.total);

    const path = this.partPath(cameraId, chunk.eventId);
    const key = `${cameraId}/${chunk.eventId}`;
    let part = index.getPart(cameraId, chunk.eventId);
    if (part && (part.total !== chunk.total || part.sha256 !== chunk.sha256 || part.mimeType !== chunk.mimeType)) {
      log.warn('the camera sent a different clip for this event; starting over', { eventId: chunk.eventId });
      await fsp.rm(path, { force: true });
      index.finishPart(cameraId, chunk.eventId, null);
      part = null;
    }
    if (!part) this.#written.delete(key);
    if (!part) {
      if (chunk.offset !== 0) return ack('resume', 0);
      await fsp.mkdir(incomingFolder(this.#deps.clipsDir()), { recursive: true });
      part = { cameraId, eventId: chunk.eventId, offset: 0, total: chunk.total, sha256: chunk.sha256, mimeType: chunk.mimeType, startedAt: chunk.startedAt, updatedAt: this.#deps.now() };
      const handle = await fsp.open(path, 'w', 0o644);
      await handle.close();
      index.putPart(part);
    }
    if (part.offset === part.total) return this.#finish(part, path);
    const written = Math.max(part.offset, this.#written.get(key) ?? 0);
    if (chunk.offset !== written) return ack('resume', written);

    const data = decodeBase64(chunk.data);
    const handle = await fsp.open(path, 'r+').catch(() => null);
    if (!handle) {
      this.#written.delete(key);
      index.finishPart(cameraId, chunk.eventId, null);
      return ack('resume', 0);
    }
    const end = written + data.length;
    const flush = end === part.total || end - part.offset >= (this.#deps.syncEveryBytes ?? SYNC_EVERY_BYTES);
    try {
      // Cut anything past what this process wrote: a chunk half-written before a crash.
      await handle.truncate(written);
      await handle.write(data, 0, data.length, written);
      if (flush) await handle.sync();
    } catch (error) {
      // Unknown what reached the file: go back to the verified length.
      this.#written.delete(key);
      throw error;
    } finally {
      await handle.close();
    }
    if (!flush) {
      this.#written.set(key, end);
      return ack('stored', end);
    }
    this.#written.delete(key);
    part = { ...part, offset: end, updatedAt: this.#deps.now() };
    index.putPart(part);
    if (part.offset < part.total) return ack('stored', part.offset);
    return this.#finish(part, path);
  }

  async #finish(part: PartRow, path: string): Promise<ClipAckMessage> {
    const { index } = this.#deps;
    const ack = (status: ClipAckMessage['status'], offset: number): ClipAckMessage => ({ t: 'clip-ack', eventId: part.eventId, offset, status });
    if ((await sha256File(path)) !== part.sha256) {
      log.warn('a received clip does not match its hash; asking for it again', { eventId: part.eventId });
      await fsp.rm(path, { force: true });
      index.finishPart(part.cameraId, part.eventId, null);
      return ack('corrupt', 0);
    }
    const event = index.getEvent(part.cameraId, part.eventId);
    const clipsDir = this.#deps.clipsDir();
    const name = this.#deps.cameraName(part.cameraId);
    const at = event?.at ?? part.startedAt;
    const folder = join(clipsDir, dayFolder(name, at));
    const final = await publishNoOverwrite(path, folder, (n) => eventFileName(name, at, event?.kind ?? 'motion', clipExtension(part.mimeType), n));
    await syncFolder(incomingFolder(clipsDir)).catch(() => undefined);
    const rel = insideClips(clipsDir, final);
    index.finishPart(part.cameraId, part.eventId, { path: rel, bytes: part.total });
    log.info('clip saved', { cameraId: part.cameraId, eventId: part.eventId, path: final });
    this.#deps.onSaved?.(part.cameraId, part.eventId, final);
    return ack('complete', part.total);
  }
}
