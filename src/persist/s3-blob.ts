/**
 * The S3-compatible Blob (@aws-sdk/client-s3, path-style addressing so any endpoint works: AWS,
 * MinIO, Ceph, s3rver). A PUT is atomic and durable once acknowledged, which is all Blob needs:
 * keys are written once, and every compare-and-set lives in Consensus (some S3-compatible servers
 * ignore conditional writes such as `If-None-Match`, so Blob never relies on them).
 *
 * Listing uses ListObjects (v1) with marker paging: the oldest, most widely implemented form.
 */
import {
  DeleteObjectCommand, GetObjectCommand, ListObjectsCommand, PutObjectCommand, S3Client, type S3ClientConfig,
} from '@aws-sdk/client-s3';
import type { Blob } from './blob.ts';

export interface S3BlobOptions {
  readonly bucket: string;
  /** Key prefix inside the bucket ('' or ending in '/'); several stores can share one bucket. */
  readonly prefix?: string;
  /** Endpoint URL for S3-compatible servers (default: AWS for the region). */
  readonly endpoint?: string;
  readonly region?: string;
  /** Static credentials; otherwise the SDK's default chain (environment, profile, instance role). */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

export class S3Blob implements Blob {
  readonly name: string;
  readonly bucket: string;
  readonly prefix: string;
  private readonly client: S3Client;

  constructor(opts: S3BlobOptions) {
    this.bucket = opts.bucket;
    this.prefix = opts.prefix === undefined || opts.prefix === '' || opts.prefix.endsWith('/') ? (opts.prefix ?? '') : `${opts.prefix}/`;
    const config: S3ClientConfig = {
      forcePathStyle: true,
      region: opts.region ?? process.env['AWS_REGION'] ?? 'us-east-1',
      ...(opts.endpoint === undefined ? {} : { endpoint: opts.endpoint }),
      ...(opts.credentials === undefined ? {} : { credentials: { ...opts.credentials } }),
    };
    this.client = new S3Client(config);
    this.name = `s3://${this.bucket}/${this.prefix}${opts.endpoint === undefined ? '' : ` at ${opts.endpoint}`}`;
  }

  describe(key: string): string {
    return `object s3://${this.bucket}/${this.prefix}${key}`;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
      if (r.Body === undefined) return new Uint8Array(0);
      return await r.Body.transformToByteArray();
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async set(key: string, value: Uint8Array): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.prefix + key, Body: value, ContentLength: value.byteLength }));
  }

  async delete(key: string): Promise<void> {
    // S3 deletes are idempotent: a missing key is success.
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
  }

  async list(prefix: string): Promise<string[]> {
    const out: string[] = [];
    let marker: string | undefined;
    for (;;) {
      const r = await this.client.send(new ListObjectsCommand({
        Bucket: this.bucket, Prefix: this.prefix + prefix, ...(marker === undefined ? {} : { Marker: marker }),
      }));
      const contents = r.Contents ?? [];
      for (const o of contents) if (o.Key !== undefined) out.push(o.Key.slice(this.prefix.length));
      if (r.IsTruncated !== true || contents.length === 0) return out;
      marker = r.NextMarker ?? contents[contents.length - 1]!.Key;
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

/**
 * Parses `s3://bucket/prefix?endpoint=http://host:port&region=r` (credentials come from
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the SDK's default chain).
 */
export function parseS3Url(url: string): S3BlobOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`persist: invalid blob URL "${url}" (expected s3://bucket/prefix?endpoint=...)`);
  }
  if (u.protocol !== 's3:' || u.hostname === '') throw new Error(`persist: blob URL must look like s3://bucket/prefix (got "${url}")`);
  const prefix = decodeURIComponent(u.pathname.replace(/^\//, ''));
  const endpoint = u.searchParams.get('endpoint');
  const region = u.searchParams.get('region');
  return {
    bucket: u.hostname,
    prefix,
    ...(endpoint === null ? {} : { endpoint }),
    ...(region === null ? {} : { region }),
  };
}
