/**
 * Filesystem helpers for the fs backends: key ↔ file-name escaping, durable writes of new files,
 * and coalesced directory fsyncs (a rename or link is only durable once its directory is fsynced).
 *
 * Cheap metadata syscalls (open, write of small files, link, rename, readdir, unlink) are made
 * synchronously: each takes microseconds, while a round trip through libuv's thread pool costs
 * 0.2–0.3 ms on a busy machine. Only fsync/fdatasync, which wait for the disk, go to the pool, so
 * the event loop never waits on the device.
 */
import { unlink } from 'node:fs/promises';
import { closeSync, fdatasync, fsync, mkdirSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Escapes a key into one file name: [A-Za-z0-9_.-] stay (except a leading '.', reserved for
 * temporary files), everything else becomes %XX per UTF-8 byte. Injective, so keys never collide.
 */
export function escapeKey(key: string): string {
  let out = '';
  const bytes = Buffer.from(key, 'utf8');
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    const keep = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x5f || b === 0x2d || (b === 0x2e && i > 0);
    out += keep ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out === '' ? '%' : out;
}

export function unescapeKey(name: string): string {
  if (name === '%') return '';
  return decodeURIComponent(name);
}

export function isTempName(name: string): boolean {
  return name.startsWith('.tmp-');
}

let tempCounter = 0;
export function tempName(): string {
  return `.tmp-${process.pid}-${++tempCounter}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Writes a new file and fdatasyncs it (its directory entry is not yet durable). */
export async function writeSynced(path: string, data: Uint8Array): Promise<void> {
  const fd = openSync(path, 'wx');
  try {
    let off = 0;
    while (off < data.length) off += writeSync(fd, data, off, data.length - off, off);
    await new Promise<void>((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));
  } finally {
    closeSync(fd);
  }
}

export function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/** Like unlinkQuietly, off the event loop (libuv's thread pool): for files nobody will look at again. */
export async function unlinkQuietlyAsync(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

export function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

export function isExists(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'EEXIST';
}

/**
 * Fsyncs one directory, coalescing concurrent requests: a request made while a sync runs waits for
 * the next sync (which starts after it), and all requests made meanwhile share that one.
 */
export class DirSync {
  readonly path: string;
  private running: Promise<void> | undefined;
  private next: Promise<void> | undefined;

  constructor(path: string) {
    this.path = path;
  }

  sync(): Promise<void> {
    if (this.running === undefined) {
      this.running = this.run().finally(() => {
        this.running = undefined;
      });
      return this.running;
    }
    this.next ??= this.running.then(noop, noop).then(() => {
      this.next = undefined;
      return this.sync();
    });
    return this.next;
  }

  private run(): Promise<void> {
    // Opened per sync rather than kept: one descriptor per shard directory would exhaust the limit.
    const fd = openSync(this.path, 'r');
    return new Promise<void>((resolve, reject) => fsync(fd, (err) => {
      closeSync(fd);
      if (err) reject(err);
      else resolve();
    }));
  }

  async close(): Promise<void> {
    await this.running?.catch(noop);
    await this.next?.catch(noop);
  }
}

/** Creates `dir` (and parents) and makes its entry durable in its parent. */
export async function mkdirDurable(dir: string, parent: DirSync): Promise<void> {
  const created = mkdirSync(dir, { recursive: true });
  if (created !== undefined) await parent.sync();
}

function noop(): void {}

export { join };
