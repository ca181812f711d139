import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { COLLECTOR_CONFIG_KEY, parseCollectorConfig } from '../constructs/private/collector-config';
import { DailyRollup, rollupFromJson } from '../reports/aggregate';
import { parseRollupKey, rollupPrefix, withPrefix } from '../reports/store-layout';

/** What to read from the report store. */
export interface ReadRollupsOptions {
  /** The bucket. */
  readonly bucket: string;
  /**
   * The store's prefix inside the bucket.
   * @default '' (the bucket root)
   */
  readonly prefix?: string;
  /** The policy domain. */
  readonly domain: string;
  /**
   * The first day to read (`YYYY-MM-DD`); older rollups are not fetched.
   * @default - every day
   */
  readonly fromDay?: string;
  /**
   * The last day to read.
   * @default - every day
   */
  readonly toDay?: string;
  /**
   * Objects fetched at the same time.
   * @default 16
   */
  readonly concurrency?: number;
  /**
   * Called after each object is read, with the number read so far and the number to read.
   * @default - no progress
   */
  readonly onProgress?: (done: number, total: number) => void;
}

/** A stored object that could not be used. */
export interface SkippedObject {
  /** The object key. */
  readonly key: string;
  /** Why. */
  readonly message: string;
  /** The report day its key names. */
  readonly day: string;
  /** True when the object was read but is not a rollup (corrupt, or of an unknown shape); false when S3 refused or failed the read. */
  readonly invalid: boolean;
}

/** What `readRollupsFromS3` found. */
export interface ReadRollupsResult {
  /** The rollups read (one per object; merge them with `mergeRollups`). */
  readonly rollups: DailyRollup[];
  /** Keys under the prefix that are not rollup keys (left alone). */
  readonly ignoredKeys: string[];
  /**
   * Rollup objects that could not be read (`invalid: false`: callers should refuse to give a
   * verdict, it could miss failures) or are not rollups (`invalid: true`: a blocker on their day,
   * `ReadinessOptions.invalidRollups`, so one bad object cannot jam the gate beyond its day).
   */
  readonly failed: SkippedObject[];
}

/**
 * Reads the rollup objects of one domain from the report store (`rollups/domain=<d>/…`, see
 * `STORE_PREFIXES`), only for the days asked. The client is passed in, so tests inject a mock.
 *
 * @param client an S3 client for the bucket's region
 * @param options bucket, prefix, domain and days
 */
export async function readRollupsFromS3(client: S3Client, options: ReadRollupsOptions): Promise<ReadRollupsResult> {
  const prefix = options.prefix ?? '';
  const listPrefix = withPrefix(prefix, rollupPrefix(options.domain));
  const keys: { key: string; day: string }[] = [];
  const ignoredKeys: string[] = [];
  const failed: SkippedObject[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: options.bucket, Prefix: listPrefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) {
      if (o.Key === undefined) continue;
      const parts = parseRollupKey(o.Key, prefix);
      if (!parts) {
        ignoredKeys.push(o.Key);
        continue;
      }
      if ((options.fromDay !== undefined && parts.day < options.fromDay) || (options.toDay !== undefined && parts.day > options.toDay)) continue;
      keys.push({ key: o.Key, day: parts.day });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);

  const rollups: DailyRollup[] = [];
  let done = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < keys.length) {
      const { key, day } = keys[next++];
      let text: string;
      try {
        const out = await client.send(new GetObjectCommand({ Bucket: options.bucket, Key: key }));
        text = out.Body ? await out.Body.transformToString('utf-8') : '';
      } catch (e) {
        failed.push({ key, day, message: (e as Error).message, invalid: false });
        done++;
        options.onProgress?.(done, keys.length);
        continue;
      }
      try {
        rollups.push(rollupFromJson(JSON.parse(text)));
      } catch (e) {
        failed.push({ key, day, message: (e as Error).message, invalid: true });
      }
      done++;
      options.onProgress?.(done, keys.length);
    }
  };
  const concurrency = Math.max(1, options.concurrency ?? 16);
  await Promise.all(Array.from({ length: Math.min(concurrency, keys.length) }, worker));
  return { rollups, ignoredKeys, failed: failed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)) };
}

/**
 * Whether the collector that owns the bucket was deployed with `trustHttpsReports` (its
 * configuration object says `trustHttps: true`). Anything else, including a configuration that
 * cannot be read or parsed, trusts nothing: a missing setting never makes a verdict less cautious.
 *
 * @param client the S3 client
 * @param bucket the report bucket
 */
export async function collectorTrustsHttps(client: S3Client, bucket: string): Promise<boolean> {
  try {
    const o = await client.send(new GetObjectCommand({ Bucket: bucket, Key: COLLECTOR_CONFIG_KEY }));
    const text = (await o.Body?.transformToString('utf8')) ?? '';
    return parseCollectorConfig(text).trustHttps === true;
  } catch {
    return false;
  }
}
