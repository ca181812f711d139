import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { readRollupsFromS3 } from '../../lib/cli/reports-s3';
import { rollupKey, withPrefix } from '../../lib/reports';
import { body, storedRollup } from './helpers';

describe('readRollupsFromS3', () => {
  const s3 = mockClient(S3Client);
  beforeEach(() => s3.reset());

  test('lists the domain prefix across pages, fetches only the days asked, and parses the rollups', async () => {
    const a = storedRollup('2026-11-19');
    const b = storedRollup('2026-11-20');
    const c = storedRollup('2026-11-21', 'Microsoft Corporation');
    const objects = new Map([a, b, c].map((o) => [withPrefix('tlsrpt/', o.key), o.text]));
    s3.on(ListObjectsV2Command, { Bucket: 'reports', Prefix: 'tlsrpt/rollups/domain=example.com/' })
      .resolvesOnce({ Contents: [{ Key: withPrefix('tlsrpt/', a.key) }, { Key: withPrefix('tlsrpt/', b.key) }], IsTruncated: true, NextContinuationToken: 't1' })
      .resolvesOnce({ Contents: [{ Key: withPrefix('tlsrpt/', c.key) }, { Key: 'tlsrpt/rollups/domain=example.com/README.txt' }], IsTruncated: false });
    s3.on(GetObjectCommand).callsFake((input: { Key: string }) => ({ Body: body(objects.get(input.Key)!) }));

    const progress: string[] = [];
    const out = await readRollupsFromS3(new S3Client({ region: 'eu-west-1' }), {
      bucket: 'reports',
      prefix: 'tlsrpt/',
      domain: 'example.com',
      fromDay: '2026-11-20',
      toDay: '2026-11-21',
      onProgress: (done, total) => progress.push(`${done}/${total}`),
    });
    expect(out.rollups.map((r) => r.day).sort()).toEqual(['2026-11-20', '2026-11-21']);
    expect(out.ignoredKeys).toEqual(['tlsrpt/rollups/domain=example.com/README.txt']);
    expect(out.failed).toEqual([]);
    expect(progress).toEqual(['1/2', '2/2']);
    expect(s3.commandCalls(ListObjectsV2Command)[1].args[0].input.ContinuationToken).toBe('t1');
    expect(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input.Key).sort()).toEqual([withPrefix('tlsrpt/', b.key), withPrefix('tlsrpt/', c.key)]);
  });

  test('objects that cannot be read or are not rollups are reported as failed', async () => {
    const a = storedRollup('2026-11-20');
    const broken = rollupKey('example.com', '2026-11-20', 'ffffffffffffffffffffffffffffffff', '0000000000000001');
    const denied = rollupKey('example.com', '2026-11-21', 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee', '0000000000000002');
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: a.key }, { Key: broken }, { Key: denied }] });
    s3.on(GetObjectCommand, { Key: a.key }).resolves({ Body: body(a.text) });
    s3.on(GetObjectCommand, { Key: broken }).resolves({ Body: body('{"schemaVersion":1,"domain":"example.com","day":"2026-11-20","contributions":[{}]}') });
    s3.on(GetObjectCommand, { Key: denied }).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    const out = await readRollupsFromS3(new S3Client({ region: 'eu-west-1' }), { bucket: 'reports', domain: 'example.com' });
    expect(out.rollups).toHaveLength(1);
    expect(out.failed).toEqual([
      { key: broken, day: '2026-11-20', invalid: true, message: '`contributions[0].idempotencyKey` must be a string, got nothing' },
      { key: denied, day: '2026-11-21', invalid: false, message: 'Access Denied' },
    ]);
  });
});
