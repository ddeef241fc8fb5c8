/**
 * The filesystem Blob: one file per key in `<dataDir>/blob/`. `set` writes a temporary file,
 * fdatasyncs it, renames it into place and fsyncs the directory, so a crash leaves either no file
 * or the complete one (plus, at worst, a stray `.tmp-*` file that `list` ignores).
 */
import { readdirSync, renameSync, statSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Blob } from './blob.ts';
import { DirSync, escapeKey, isNotFound, isTempName, tempName, unescapeKey, unlinkQuietly, unlinkQuietlyAsync, writeSynced } from './fs-util.ts';

const STALE_TEMP_MS = 60 * 60 * 1000;

export class FsBlob implements Blob {
  readonly name: string;
  readonly dir: string;
  private readonly dirSync: DirSync;

  private constructor(dir: string) {
    this.dir = dir;
    this.name = `fs:${dir}`;
    this.dirSync = new DirSync(dir);
  }

  static async open(dir: string): Promise<FsBlob> {
    await mkdir(dir, { recursive: true });
    const blob = new FsBlob(dir);
    await blob.dirSync.sync();
    blob.removeStaleTemps();
    return blob;
  }

  /** Temporary files of writers that crashed mid-`set` (old enough that no live writer owns them). */
  private removeStaleTemps(): void {
    const cutoff = Date.now() - STALE_TEMP_MS;
    for (const name of readdirSync(this.dir)) {
      if (!isTempName(name)) continue;
      const path = join(this.dir, name);
      try {
        if (statSync(path).mtimeMs < cutoff) unlinkQuietly(path);
      } catch {
        // Gone already, or unreadable: leave it.
      }
    }
  }

  pathFor(key: string): string {
    return join(this.dir, escapeKey(key));
  }

  describe(key: string): string {
    return `file ${this.pathFor(key)}`;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const buf = await readFile(this.pathFor(key));
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async set(key: string, value: Uint8Array): Promise<void> {
    const tmp = join(this.dir, tempName());
    try {
      await writeSynced(tmp, value);
      renameSync(tmp, this.pathFor(key));
    } catch (err) {
      unlinkQuietly(tmp);
      throw err;
    }
    await this.dirSync.sync();
  }

  async delete(key: string): Promise<void> {
    // Not fsynced: a delete lost in a crash leaves an unreferenced file, which cleanup removes later.
    // Off the event loop: unlinking a large file on a busy disk takes longer than the small metadata
    // calls made synchronously here, and compaction deletes after every merge.
    await unlinkQuietlyAsync(this.pathFor(key));
  }

  async list(prefix: string): Promise<string[]> {
    const names = readdirSync(this.dir);
    const out: string[] = [];
    for (const name of names) {
      if (isTempName(name)) continue;
      const key = unescapeKey(name);
      if (key.startsWith(prefix)) out.push(key);
    }
    return out;
  }

  async close(): Promise<void> {
    await this.dirSync.close();
  }
}
