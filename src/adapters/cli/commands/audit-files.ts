import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { link, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { once } from 'node:events';
import { basename, dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { AuditOutputError, AuditUsageError } from '../../../application/audit/audit-errors.js';
import type { TextSink } from '../../../application/audit/ledger-export.js';
import type { CliIo } from '../cli-io.js';

function nodeCode(error: unknown): string | undefined {
  const code: unknown = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A small input file (digest, key) as text; a missing or unreadable file is a usage error. */
export function readInputFile(io: CliIo, option: string, path: string): string {
  const full = resolve(io.cwd, path);
  try {
    return readFileSync(full, 'utf8');
  } catch (error) {
    const reason = nodeCode(error) === 'ENOENT' ? 'no such file' : 'cannot be read';
    throw new AuditUsageError(`${option} ${full}: ${reason}`);
  }
}

/** The lines of a text file, read as a stream so a file of any size uses flat memory. */
export function readLines(io: CliIo, option: string, path: string): AsyncIterable<string> {
  const full = resolve(io.cwd, path);
  const stats = statSync(full, { throwIfNoEntry: false });
  if (stats === undefined) throw new AuditUsageError(`${option} ${full}: no such file`);
  if (!stats.isFile()) throw new AuditUsageError(`${option} ${full}: not a file`);
  return createInterface({
    input: createReadStream(full, { encoding: 'utf8' }),
    crlfDelay: Infinity,
  });
}

/** Writes to standard output, waiting whenever the stream asks to (a slow pipe). */
export function streamSink(stream: NodeJS.WritableStream): TextSink {
  return {
    async write(text) {
      if (!stream.write(text)) await once(stream, 'drain');
    },
  };
}

export interface AtomicFileOptions {
  /** File mode of the new file; default 0o644 (less the umask). */
  readonly mode?: number;
  /** When false, an existing file is an error and is left untouched. Default true. */
  readonly overwrite?: boolean;
}

/**
 * A file written to a temporary name beside its target and moved into place only by `commit`:
 * readers see the old file or the whole new one, and a failure leaves nothing half-written.
 */
export class AtomicFile implements TextSink {
  private constructor(
    readonly path: string,
    private readonly tempPath: string,
    private readonly handle: FileHandle,
    private readonly overwrite: boolean,
  ) {}

  static async create(target: string, options: AtomicFileOptions = {}): Promise<AtomicFile> {
    const path = resolve(target);
    const overwrite = options.overwrite ?? true;
    if (!overwrite && existsSync(path)) throw new AuditOutputError(path, 'it exists already');
    const tempPath = join(
      dirname(path),
      `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`,
    );
    let handle: FileHandle;
    try {
      handle = await open(tempPath, 'wx', options.mode ?? 0o644);
    } catch (error) {
      const reason =
        nodeCode(error) === 'ENOENT'
          ? 'its directory does not exist'
          : 'permission denied or disk unavailable';
      throw new AuditOutputError(path, reason, error);
    }
    return new AtomicFile(path, tempPath, handle, overwrite);
  }

  async write(text: string): Promise<void> {
    try {
      await this.handle.write(text);
    } catch (error) {
      throw new AuditOutputError(this.path, 'writing failed', error);
    }
  }

  async commit(): Promise<void> {
    try {
      await this.handle.sync();
      await this.handle.close();
      if (this.overwrite) {
        await rename(this.tempPath, this.path);
      } else {
        // link() refuses an existing target, atomically: a file made meanwhile is not replaced.
        await link(this.tempPath, this.path);
        await unlink(this.tempPath);
      }
    } catch (error) {
      await this.discard();
      const reason =
        nodeCode(error) === 'EEXIST' ? 'it exists already' : 'moving it into place failed';
      throw new AuditOutputError(this.path, reason, error);
    }
  }

  /** Removes the temporary file; the target is untouched. */
  async discard(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await unlink(this.tempPath).catch((error: unknown) => {
      if (nodeCode(error) !== 'ENOENT') throw error;
    });
  }
}

/** Runs `write` into an atomic file and commits it, or discards it when anything throws. */
export async function writeAtomically<T>(
  target: string,
  options: AtomicFileOptions,
  write: (file: AtomicFile) => Promise<T>,
): Promise<T> {
  const file = await AtomicFile.create(target, options);
  let result: T;
  try {
    result = await write(file);
  } catch (error) {
    await file.discard();
    throw error;
  }
  await file.commit();
  return result;
}
