// The TLS-RPT processor with an in-memory S3 (aws-sdk-client-mock, conditional writes honoured)
// and a recording CloudWatch mock. Fixtures are synthetic (written here); the shared sample corpus
// (../shared/tlsrpt-samples beside the repo, never copied into it) is read when present.
import * as fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { CloudWatchClient, PutMetricDataCommand, PutMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import { CopyObjectCommand, CopyObjectCommandInput, GetObjectCommand, GetObjectCommandInput, PutObjectCommand, PutObjectCommandInput, S3Client } from '@aws-sdk/client-s3';
import type { S3Event, S3EventRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createTransport } from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { CollectorConfig } from '../../lib/constructs/private/collector-config';
import {
  decodeEventKey,
  describeRawKey,
  handler,
  mxDimension,
  ProcessOutcome,
  ProcessorDeps,
  ProcessResult,
  reporterDimension,
  s3ConfigLoader,
} from '../../lib/handlers/tls-rpt-processor';
import * as aggregate from '../../lib/reports/aggregate';
import { AuthenticationStatus, authenticateReportEmail } from '../../lib/reports/authentication';
import { assessReadiness } from '../../lib/reports/readiness';
import { MtaStsMode } from '../../lib/policy/mode';
import { rawReportKey, ReportChannel } from '../../lib/reports/store-layout';
import { DkimLab } from '../reports/dkim';

const BUCKET = 'report-bucket';
const NOW = new Date('2026-11-21T09:30:00.000Z');
const RECEIVED = new Date('2026-11-21T08:00:00.123Z');
const SAMPLES_DIR = path.resolve(__dirname, '../../../shared/tlsrpt-samples');
const HAVE_SAMPLES = fs.existsSync(SAMPLES_DIR);

const CONFIG: CollectorConfig = {
  version: 1,
  domains: [
    { domain: 'example.com', mx: ['*.mail.example.com', 'mx1.example.com'] },
    { domain: 'example.org', mx: ['mx.example.org'] },
  ],
  reporters: ['Google', 'Microsoft', 'Mail.ru'],
};

// ---------------------------------------------------------------- fixtures (synthetic)

interface Detail {
  readonly type: string;
  readonly count: number;
  readonly mx?: string;
}

function policy(domain: string, success: number, details: Detail[], mx = ['mx1.example.com', '*.mail.example.com']) {
  return {
    policy: {
      'policy-type': 'sts',
      'policy-string': ['version: STSv1', 'mode: testing', ...mx.map((m) => `mx: ${m}`), 'max_age: 86400'],
      'policy-domain': domain,
      'mx-host': mx,
    },
    summary: { 'total-successful-session-count': success, 'total-failure-session-count': details.reduce((s, d) => s + d.count, 0) },
    'failure-details': details.map((d) => ({
      'result-type': d.type,
      'sending-mta-ip': '192.0.2.10',
      'receiving-ip': '198.51.100.7',
      ...(d.mx ? { 'receiving-mx-hostname': d.mx } : {}),
      'failed-session-count': d.count,
    })),
  };
}

function report(org = 'Google Inc.', id = '2026-11-20T00:00:00Z_example.com', policies = [policy('example.com', 100, [{ type: 'certificate-expired', count: 5, mx: 'mx1.example.com' }, { type: 'starttls-not-supported', count: 2, mx: 'rogue.example.net' }])]) {
  return {
    'organization-name': org,
    'date-range': { 'start-datetime': '2026-11-20T00:00:00Z', 'end-datetime': '2026-11-20T23:59:59Z' },
    'contact-info': 'smtp-tls-reporting@google.com',
    'report-id': id,
    policies,
  };
}

const GOOD = report(undefined, undefined, [
  policy('example.com', 100, [
    { type: 'certificate-expired', count: 5, mx: 'mx1.example.com' },
    { type: 'starttls-not-supported', count: 2, mx: 'rogue.example.net' },
  ]),
  policy('unlisted.org', 3, [{ type: 'validation-failure', count: 1, mx: 'mx.unlisted.org' }], ['mx.unlisted.org']),
]);
const gz = (o: unknown) => zlib.gzipSync(Buffer.from(JSON.stringify(o)));

/** A report email shaped as RFC 8460 section 5.3 says (multipart/report; report-type="tlsrpt"). */
function reportEmail(body: Buffer | undefined, opts: { messageId?: string; partType?: string } = {}): Buffer {
  const b = 'b0undary-1';
  const lines = [
    'From: noreply-smtp-tls-reporting@google.com',
    'To: tlsrpt@tlsrpt.example.com',
    'Subject: Report Domain: example.com Submitter: google.com Report-ID: <2026.11.20T00.00.00Z+example.com@google.com>',
    'Date: Sat, 21 Nov 2026 07:59:00 +0000',
    `Message-ID: <${opts.messageId ?? 'r1'}@google.com>`,
    'TLS-Report-Domain: example.com',
    'TLS-Report-Submitter: google.com',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type="tlsrpt"; boundary="${b}"`,
    '',
    `--${b}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    'This is an aggregate TLS report from google.com',
    '',
  ];
  if (body) {
    lines.push(
      `--${b}`,
      `Content-Type: ${opts.partType ?? 'application/tlsrpt+gzip'}`,
      'Content-Transfer-Encoding: base64',
      'Content-Disposition: attachment; filename="google.com!example.com!1795132800!1795219199!001.json.gz"',
      '',
      ...(body.toString('base64').match(/.{1,76}/g) ?? []),
      '',
    );
  }
  lines.push(`--${b}--`, '');
  return Buffer.from(lines.join('\r\n'));
}

// ---------------------------------------------------------------- in-memory S3 and CloudWatch

/** Signing keys made for the run; the processor looks them up through `lab.resolver()`. */
const lab = new DkimLab();
const signed = (message: Buffer, domain = 'google.com', selector = 'tlsrpt') => lab.sign(message, { domain, selector });

const s3 = mockClient(S3Client);
const cloudwatch = mockClient(CloudWatchClient);
let store: Map<string, { body: Buffer; contentType?: string }>;
let logs: string[];

function bodyBuffer(body: PutObjectCommandInput['Body']): Buffer {
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body);
  throw new Error(`unexpected body type ${typeof body}`);
}

function installS3(): void {
  s3.on(GetObjectCommand).callsFake((input: GetObjectCommandInput) => {
    const o = store.get(input.Key!);
    if (!o) throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
    return { Body: { transformToByteArray: async () => new Uint8Array(o.body) }, ContentType: o.contentType, ContentLength: o.body.length };
  });
  s3.on(PutObjectCommand).callsFake((input: PutObjectCommandInput) => {
    if (input.IfNoneMatch === '*' && store.has(input.Key!)) {
      throw Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), { name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } });
    }
    store.set(input.Key!, { body: bodyBuffer(input.Body), contentType: input.ContentType });
    return { ETag: '"e"' };
  });
  s3.on(CopyObjectCommand).callsFake((input: CopyObjectCommandInput) => {
    const source = input.CopySource!;
    const bucket = source.slice(0, source.indexOf('/'));
    const key = source.slice(source.indexOf('/') + 1).split('/').map(decodeURIComponent).join('/');
    const o = store.get(key);
    if (bucket !== BUCKET || !o) throw Object.assign(new Error('no such source'), { name: 'NoSuchKey' });
    store.set(input.Key!, { ...o });
    return {};
  });
}

function deps(overrides: Partial<ProcessorDeps> = {}): ProcessorDeps {
  return {
    s3: new S3Client({ region: 'us-east-1' }),
    cloudwatch: new CloudWatchClient({ region: 'us-east-1' }),
    namespace: 'CdkMtaSts/TlsRpt',
    maxInputBytes: 48 * 1024 * 1024,
    config: async () => CONFIG,
    now: () => NOW,
    log: (line) => logs.push(line),
    authenticate: (message, receivedAt) => authenticateReportEmail(message, { resolveTxt: lab.resolver(), receivedAt }),
    ...overrides,
  };
}

/** An S3 event record for `key`, encoded the way S3 encodes keys in events. */
function record(key: string, size: number, eventTime = RECEIVED.toISOString()): S3EventRecord {
  const encoded = encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'us-east-1',
    eventTime,
    eventName: 'ObjectCreated:Put',
    userIdentity: { principalId: 'AWS:AROAEXAMPLE' },
    requestParameters: { sourceIPAddress: '203.0.113.1' },
    responseElements: { 'x-amz-request-id': 'R1', 'x-amz-id-2': 'I2' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'raw-created',
      bucket: { name: BUCKET, ownerIdentity: { principalId: 'A1' }, arn: `arn:aws:s3:::${BUCKET}` },
      object: { key: encoded, size, eTag: 'e', sequencer: '01' },
    },
  };
}

/** Stores `bytes` at `key` (as the ingest or SES would) and runs the processor on its event. */
async function deliver(key: string, bytes: Buffer, contentType?: string, d = deps()): Promise<ProcessResult> {
  store.set(key, { body: bytes, contentType });
  const event: S3Event = { Records: [record(key, bytes.length)] };
  const out = await handler(event, undefined, d);
  expect(out.results).toHaveLength(1);
  return out.results[0];
}

const httpsKey = (id: string, ext = 'json.gz') => rawReportKey({ receivedAt: RECEIVED, uniqueId: id, channel: ReportChannel.HTTPS, extension: ext });

/** The metric data put so far, as `Name|Dim=Value,...` → summed value. */
function metrics(): Map<string, number> {
  const out = new Map<string, number>();
  for (const call of cloudwatch.commandCalls(PutMetricDataCommand)) {
    const input = call.args[0].input as PutMetricDataCommandInput;
    expect(input.Namespace).toBe('CdkMtaSts/TlsRpt');
    for (const d of input.MetricData ?? []) {
      expect(d.Unit).toBe('Count');
      expect(d.Timestamp).toEqual(NOW);
      const k = `${d.MetricName}|${(d.Dimensions ?? []).map((x) => `${x.Name}=${x.Value}`).join(',')}`;
      out.set(k, (out.get(k) ?? 0) + (d.Value ?? 0));
    }
  }
  return out;
}

beforeEach(() => {
  s3.reset();
  cloudwatch.reset();
  store = new Map();
  logs = [];
  installS3();
  cloudwatch.on(PutMetricDataCommand).resolves({});
});

// ---------------------------------------------------------------- tests

describe('a good report', () => {
  test('is stored as a normalised report (one JSON line) and one rollup per domain, and counted in bounded metrics', async () => {
    const key = httpsKey('6f1c0d2e-0000-4000-8000-000000000001');
    const r = await deliver(key, gz(GOOD), 'application/tlsrpt+gzip');
    expect(r.outcome).toBe(ProcessOutcome.STORED);
    expect(r.reportKey).toMatch(/^reports\/day=2026-11-20\/[0-9a-f]{32}-[0-9a-f]{16}\.json$/);
    expect(r.rollupKeys).toEqual([
      expect.stringMatching(/^rollups\/domain=example\.com\/day=2026-11-20\/[0-9a-f]{32}-[0-9a-f]{16}\.json$/),
      expect.stringMatching(/^rollups\/domain=unlisted\.org\/day=2026-11-20\/[0-9a-f]{32}-[0-9a-f]{16}\.json$/),
    ]);
    expect(r.authentication?.status).toBe(AuthenticationStatus.HTTPS_UNAUTHENTICATED);
    const stored = store.get(r.reportKey!)!.body.toString();
    expect(stored).not.toContain('\n');
    const normalised = JSON.parse(stored);
    expect([normalised.organization, normalised.day, normalised.source.receivedAt, normalised.source.format]).toEqual(['Google Inc.', '2026-11-20', RECEIVED.toISOString(), 'gzip']);
    expect(normalised.authentication.status).toBe('https-unauthenticated');
    const rollup = JSON.parse(store.get(r.rollupKeys![0])!.body.toString());
    expect([rollup.domain, rollup.totals.successfulSessions, rollup.totals.failedSessions]).toEqual(['example.com', 100, 7]);
    expect(rollup.contributions[0].authentication.status).toBe('https-unauthenticated');
    // The raw object stays, untouched.
    expect(store.get(key)!.body).toEqual(gz(GOOD));

    expect(Object.fromEntries(metrics())).toEqual({
      'Reports|Channel=https': 1,
      'Reports|Verified=false': 1,
      'Reports|Domain=example.com': 1,
      'SuccessfulSessions|Domain=example.com': 100,
      'FailedSessions|Domain=example.com': 7,
      'SuccessfulSessions|Domain=example.com,Verified=false': 100,
      'FailedSessions|Domain=example.com,Verified=false': 7,
      'SuccessfulSessions|Domain=example.com,PolicyType=sts': 100,
      'FailedSessions|Domain=example.com,PolicyType=sts': 7,
      // An unverified report names no reporter, whatever its organization-name says.
      'SuccessfulSessions|Domain=example.com,Reporter=other': 100,
      'FailedSessions|Domain=example.com,Reporter=other': 7,
      'FailedSessions|Domain=example.com,ResultType=certificate-expired': 5,
      'FailedSessions|Domain=example.com,ResultType=starttls-not-supported': 2,
      // mx1.example.com is a policy pattern; rogue.example.net is not.
      'FailedSessions|Domain=example.com,MxHost=mx1.example.com': 5,
      'FailedSessions|Domain=example.com,MxHost=other': 2,
      // A domain the collector does not expect: `other`, never its name.
      'Reports|Domain=other': 1,
      'SuccessfulSessions|Domain=other': 3,
      'FailedSessions|Domain=other': 1,
      'SuccessfulSessions|Domain=other,Verified=false': 3,
      'FailedSessions|Domain=other,Verified=false': 1,
      'SuccessfulSessions|Domain=other,PolicyType=sts': 3,
      'FailedSessions|Domain=other,PolicyType=sts': 1,
      'SuccessfulSessions|Domain=other,Reporter=other': 3,
      'FailedSessions|Domain=other,Reporter=other': 1,
      'FailedSessions|Domain=other,ResultType=validation-failure': 1,
      'FailedSessions|Domain=other,MxHost=other': 1,
      // The totals the alarm watches: configured domains only, verified or not.
      'SuccessfulSessions|': 100,
      'FailedSessions|': 7,
      'SuccessfulSessions|Verified=false': 100,
      'FailedSessions|Verified=false': 7,
    });
  });

  test('a wildcard mx pattern is the dimension value of every host it covers; unknown reporters are `other`', async () => {
    const r = report('Unheard-Of Mail AG', 'x-1', [
      policy('example.com', 10, [
        { type: 'certificate-host-mismatch', count: 3, mx: 'a.mail.example.com' },
        { type: 'certificate-host-mismatch', count: 4, mx: 'B.Mail.Example.Com.' },
        { type: 'some-future-type', count: 1 },
      ]),
    ]);
    expect((await deliver(httpsKey('id-2', 'json'), Buffer.from(JSON.stringify(r)), 'application/tlsrpt+json')).outcome).toBe(ProcessOutcome.STORED);
    const m = metrics();
    expect(m.get('FailedSessions|Domain=example.com,MxHost=*.mail.example.com')).toBe(7);
    expect(m.get('FailedSessions|Domain=example.com,MxHost=other')).toBe(1);
    expect(m.get('FailedSessions|Domain=example.com,ResultType=other')).toBe(1);
    expect(m.get('SuccessfulSessions|Domain=example.com,Reporter=other')).toBe(10);
    expect([...m.keys()].join(' ')).not.toMatch(/Unheard|a\.mail|some-future/);
  });

  test('the same report twice gets the same keys and metrics once; by signed email it is another copy, stored beside it', async () => {
    const first = await deliver(httpsKey('id-a'), gz(GOOD), 'application/tlsrpt+gzip');
    const putsAfterFirst = cloudwatch.commandCalls(PutMetricDataCommand).length;
    const again = await deliver(httpsKey('id-b'), gz(GOOD), 'application/tlsrpt+gzip');
    expect(again.outcome).toBe(ProcessOutcome.DUPLICATE);
    expect(again.reportKey).toBe(first.reportKey);
    expect(again.rollupKeys).toEqual(first.rollupKeys);
    expect(cloudwatch.commandCalls(PutMetricDataCommand)).toHaveLength(putsAfterFirst);
    expect(logs.some((l) => l.startsWith('duplicate '))).toBe(true);
    // The same content, DKIM-verified: a copy of its own (never over the HTTPS one), metered once, as verified.
    const byMail = await deliver('raw/channel=email/0100018c2d4a5b6c-ses-message-1', await signed(reportEmail(gz(GOOD))));
    expect(byMail.outcome).toBe(ProcessOutcome.STORED);
    expect(byMail.authentication).toMatchObject({ status: AuthenticationStatus.VERIFIED, reporterDomain: 'google.com' });
    expect(byMail.reportKey).not.toBe(first.reportKey);
    expect(byMail.reportKey!.slice(0, -22)).toBe(first.reportKey!.slice(0, -22));
    expect([...store.keys()].filter((k) => k.startsWith('reports/'))).toHaveLength(2);
    expect([...store.keys()].filter((k) => k.startsWith('rollups/'))).toHaveLength(4);
    expect(metrics().get('Reports|Verified=true')).toBe(1);
    expect(metrics().get('SuccessfulSessions|Domain=example.com,Reporter=Google')).toBe(100);
    // Read back, the two copies are one report, counted as verified.
    const merged = aggregate.mergeRollups([first.rollupKeys![0], byMail.rollupKeys![0]].map((k) => aggregate.rollupFromJson(JSON.parse(store.get(k)!.body.toString()))));
    expect(merged[0].totals).toMatchObject({ reports: 1, verifiedReports: 1, conflictingCopies: 0, successfulSessions: 100 });
  });

  test('the same S3 event delivered twice is harmless: stored once, metered once', async () => {
    const key = httpsKey('id-c');
    await deliver(key, gz(GOOD), 'application/tlsrpt+gzip');
    const puts = cloudwatch.commandCalls(PutMetricDataCommand).length;
    const again = await handler({ Records: [record(key, 10)] }, undefined, deps());
    expect(again.results[0].outcome).toBe(ProcessOutcome.STORED);
    expect(cloudwatch.commandCalls(PutMetricDataCommand)).toHaveLength(puts);
  });
});

describe('what is not a report is quarantined with its reason, never thrown away', () => {
  test.each([
    { name: 'plain text', bytes: Buffer.from('hello, this is not a report'), reason: 'unrecognised-format' },
    { name: 'a truncated gzip', bytes: gz(GOOD).subarray(0, 40), reason: 'gzip-truncated' },
    { name: 'JSON without policies', bytes: Buffer.from(JSON.stringify({ 'organization-name': 'x', 'report-id': 'y' })), reason: 'policies-missing' },
    { name: 'an empty body', bytes: Buffer.alloc(0), reason: 'empty-input' },
  ])('$name → quarantine/reason=$reason', async ({ bytes, reason }) => {
    const key = httpsKey('bad-1', 'json');
    const r = await deliver(key, bytes, 'application/tlsrpt+json');
    expect(r.outcome).toBe(ProcessOutcome.QUARANTINED);
    expect(r.reason).toBe(reason);
    expect(r.quarantineKey).toBe(`quarantine/reason=${reason}/day=2026-11-21/20261121T080000123Z-bad-1.json`);
    expect(store.get(r.quarantineKey!)!.body).toEqual(bytes);
    const note = JSON.parse(store.get(`${r.quarantineKey}.reason.json`)!.body.toString());
    expect(note).toEqual({ reason, field: expect.any(String), message: expect.any(String), rawKey: key, receivedAt: RECEIVED.toISOString() });
    expect(store.has(key)).toBe(true);
    expect([...store.keys()].some((k) => k.startsWith('reports/') || k.startsWith('rollups/'))).toBe(false);
    expect(Object.fromEntries(metrics())).toEqual({ [`QuarantinedReports|Reason=${reason}`]: 1, 'QuarantinedReports|': 1 });
  });

  test('an email with no report part', async () => {
    const key = 'raw/channel=email/0100018c2d4a5b6c-no-part';
    const r = await deliver(key, reportEmail(undefined));
    expect([r.outcome, r.reason]).toEqual([ProcessOutcome.QUARANTINED, 'email-no-report-part']);
    expect(r.quarantineKey).toBe('quarantine/reason=email-no-report-part/day=2026-11-21/20261121T080000123Z-0100018c2d4a5b6c-no-part.eml');
    expect(JSON.parse(store.get(`${r.quarantineKey}.reason.json`)!.body.toString()).message).toMatch(/no report part/);
  });

  test('an object larger than the cap is quarantined without being read', async () => {
    const key = httpsKey('huge');
    store.set(key, { body: Buffer.from('x') });
    const out = await handler({ Records: [record(key, 60 * 1024 * 1024)] }, undefined, deps());
    expect([out.results[0].outcome, out.results[0].reason]).toEqual([ProcessOutcome.QUARANTINED, 'input-too-large']);
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
  });

  test('an unexpected error of the pure code is quarantined as internal-error, with its message', async () => {
    const spy = jest.spyOn(aggregate, 'rollupsOf').mockImplementation(() => {
      throw new TypeError('cannot read properties of undefined');
    });
    try {
      const r = await deliver(httpsKey('int-1'), gz(GOOD), 'application/tlsrpt+gzip');
      expect([r.outcome, r.reason]).toEqual([ProcessOutcome.QUARANTINED, 'internal-error']);
      expect(JSON.parse(store.get(`${r.quarantineKey}.reason.json`)!.body.toString())).toEqual(expect.objectContaining({ reason: 'internal-error', message: 'cannot read properties of undefined' }));
      expect(logs.some((l) => l.startsWith('internal error on '))).toBe(true);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('SES path', () => {
  test('a raw MIME email stored by the SES receipt action goes through the same path (receive time from the event)', async () => {
    const key = 'raw/channel=email/o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1';
    const r = await deliver(key, await signed(reportEmail(gz(GOOD))));
    expect(r.outcome).toBe(ProcessOutcome.STORED);
    expect(JSON.parse(store.get(r.reportKey!)!.body.toString()).authentication).toMatchObject({ status: 'verified', reporterDomain: 'google.com', signingDomain: 'google.com', selector: 'tlsrpt' });
    const normalised = JSON.parse(store.get(r.reportKey!)!.body.toString());
    expect(normalised.source).toEqual(expect.objectContaining({ format: 'email', payloadFormat: 'gzip', receivedAt: RECEIVED.toISOString() }));
    expect(normalised.source.email).toEqual(expect.objectContaining({ reportDomain: 'example.com', reportSubmitter: 'google.com', contentType: 'multipart/report' }));
    expect(metrics().get('Reports|Channel=email')).toBe(1);
  });

  test("SES's setup probe object is skipped", async () => {
    const r = await deliver('raw/channel=email/AMAZON_SES_SETUP_NOTIFICATION', Buffer.from('Amazon SES setup notification'));
    expect(r.outcome).toBe(ProcessOutcome.SKIPPED);
    expect(cloudwatch.commandCalls(PutMetricDataCommand)).toHaveLength(0);
    expect([...store.keys()]).toEqual(['raw/channel=email/AMAZON_SES_SETUP_NOTIFICATION']);
  });
});

describe('AWS errors are thrown, so Lambda retries and then dead-letters the event', () => {
  test('S3 refuses the rollup write', async () => {
    const key = httpsKey('e-1');
    store.set(key, { body: gz(GOOD), contentType: 'application/tlsrpt+gzip' });
    s3.on(PutObjectCommand).rejects(Object.assign(new Error('slow down'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } }));
    await expect(handler({ Records: [record(key, 10)] }, undefined, deps())).rejects.toThrow(/slow down/);
  });

  test('the configuration cannot be read', async () => {
    const key = httpsKey('e-2');
    store.set(key, { body: gz(GOOD), contentType: 'application/tlsrpt+gzip' });
    const d = deps({ config: s3ConfigLoader(new S3Client({ region: 'us-east-1' })) });
    await expect(handler({ Records: [record(key, 10)] }, undefined, d)).rejects.toThrow(/does not exist/);
  });
});

describe('helpers', () => {
  test('s3ConfigLoader reads and validates the configuration object once per bucket', async () => {
    store.set('config/tls-rpt-collector.json', { body: Buffer.from(JSON.stringify(CONFIG)) });
    const load = s3ConfigLoader(new S3Client({ region: 'us-east-1' }));
    expect(await load(BUCKET)).toEqual(CONFIG);
    await load(BUCKET);
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(1);
    store.set('config/tls-rpt-collector.json', { body: Buffer.from('{"version":2}') });
    await expect(s3ConfigLoader(new S3Client({ region: 'us-east-1' }))(BUCKET)).rejects.toThrow(/not a version 1 configuration; deploy the stack again/);
  });

  test.each([
    ['Google Inc.', 'Google'],
    ['google', 'Google'],
    ['Microsoft Corporation', 'Microsoft'],
    ['Mail.ru', 'Mail.ru'],
    ['Googlemail Impostor', 'other'],
    ['Company-X', 'other'],
  ])('reporter %j → %j', (org, dim) => {
    expect(reporterDimension(org, CONFIG.reporters)).toBe(dim);
  });

  test.each([
    ['mx1.example.com', 'mx1.example.com'],
    ['MX1.EXAMPLE.COM.', 'mx1.example.com'],
    ['x.mail.example.com', '*.mail.example.com'],
    ['a.b.mail.example.com', 'other'],
    [undefined, 'other'],
  ])('mx host %j → %j', (host, dim) => {
    expect(mxDimension(host, CONFIG.domains[0].mx)).toBe(dim);
  });

  test('raw keys: the layout key carries the receive time; the SES key takes the event time', () => {
    expect(describeRawKey(httpsKey('abc'), '2030-01-01T00:00:00Z')).toEqual({ channel: ReportChannel.HTTPS, receivedAt: RECEIVED, uniqueId: 'abc', extension: 'json.gz' });
    expect(describeRawKey('raw/channel=email/m-1', '2026-11-21T10:00:00.000Z')).toEqual({
      channel: ReportChannel.EMAIL,
      receivedAt: new Date('2026-11-21T10:00:00.000Z'),
      uniqueId: 'm-1',
      extension: 'eml',
    });
    expect(describeRawKey('raw/uploaded by hand.json', undefined).uniqueId).toMatch(/^[0-9a-f]{32}$/);
    expect(decodeEventKey('raw/channel%3Demail/a+b%2Bc')).toBe('raw/channel=email/a b+c');
  });
});

const describeSamples = HAVE_SAMPLES ? describe : describe.skip;
if (!HAVE_SAMPLES) {
  // eslint-disable-next-line no-console
  console.warn(`SKIPPED: the TLS-RPT sample corpus is not at ${SAMPLES_DIR}; put a copy of shared/ beside the repo to run the sample tests`);
}

describeSamples('the shared sample corpus through the processor', () => {
  const files = HAVE_SAMPLES ? fs.readdirSync(SAMPLES_DIR).filter((f) => /\.(eml|json|gz)$/.test(f)).sort() : [];
  /** The one sample that is not a report (a cron mail); every other sample is a report. */
  const NOT_REPORTS: Record<string, string> = { 'kravietz__empty.eml': 'email-no-report-part' };
  test.each(files)('%s is stored, or quarantined with its reason when it is not a report', async (file) => {
    const bytes = fs.readFileSync(path.join(SAMPLES_DIR, file));
    const id = file.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 100);
    const key = file.endsWith('.eml') ? `raw/channel=email/${id}` : httpsKey(id, file.endsWith('.gz') ? 'json.gz' : 'json');
    const r = await deliver(key, bytes, file.endsWith('.gz') ? 'application/tlsrpt+gzip' : file.endsWith('.json') ? 'application/tlsrpt+json' : undefined);
    if (NOT_REPORTS[file]) {
      expect([r.outcome, r.reason]).toEqual([ProcessOutcome.QUARANTINED, NOT_REPORTS[file]]);
      expect(store.get(r.quarantineKey!)!.body).toEqual(bytes);
      expect(store.get(`${r.quarantineKey}.reason.json`)).toBeDefined();
    } else {
      expect(r.outcome).toBe(ProcessOutcome.STORED);
      expect(store.get(r.reportKey!)).toBeDefined();
      for (const k of r.rollupKeys!) expect(store.get(k)).toBeDefined();
      expect(metrics().get('Reports|Channel=' + (file.endsWith('.eml') ? 'email' : 'https'))).toBe(1);
      // Their signers' keys cannot be fetched offline: with no key, a real email counts as unverified.
      if (file.endsWith('.eml')) expect([AuthenticationStatus.DKIM_FAIL, AuthenticationStatus.DKIM_NONE]).toContain(r.authentication?.status);
      expect(metrics().get('Reports|Verified=false')).toBe(1);
    }
  });

  test('a real Google report email is stored with the email envelope', async () => {
    const r = await deliver('raw/channel=email/mox-example', fs.readFileSync(path.join(SAMPLES_DIR, 'mox__example.eml')));
    expect(r.outcome).toBe(ProcessOutcome.STORED);
    const n = JSON.parse(store.get(r.reportKey!)!.body.toString());
    expect([n.organization, n.source.format, n.source.email.reportSubmitter]).toEqual(['Google Inc.', 'email', 'google.com']);
  });
});

describe('a real SMTP delivery on loopback, through the same MIME path', () => {
  let server: SMTPServer;
  let port: number;
  let received: Buffer[];

  beforeAll(async () => {
    received = [];
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, _session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          received.push(Buffer.concat(chunks));
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const transport = () => createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, connectionTimeout: 5000 });

  test('an RFC 8460 report email sent over SMTP, stored as SES would, is parsed and stored', async () => {
    const sent = await signed(reportEmail(gz(GOOD), { messageId: 'smtp-1' }));
    await transport().sendMail({ envelope: { from: 'noreply-smtp-tls-reporting@google.com', to: ['tlsrpt@tlsrpt.example.com'] }, raw: sent });
    expect(received).toHaveLength(1);
    // SES prepends its own trace header; the bytes as received go to the bucket.
    const stored = Buffer.concat([Buffer.from('Received: from mail.google.com by inbound-smtp.us-east-1.amazonaws.com with SMTP id smtp1\r\n'), received[0]]);
    const r = await deliver('raw/channel=email/smtp1loopbackmessage', stored);
    expect(r.outcome).toBe(ProcessOutcome.STORED);
    // SES's trace header above the signature does not break it.
    expect(r.authentication?.status).toBe(AuthenticationStatus.VERIFIED);
    expect(metrics().get('FailedSessions|Domain=example.com')).toBe(7);
  });

  test('a report composed and DKIM-signed by nodemailer (multipart/mixed, gzip attachment) is read and verified too', async () => {
    const key = lab.key('microsoft.com', 'selector1');
    const signing = createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, connectionTimeout: 5000, dkim: { domainName: 'microsoft.com', keySelector: 'selector1', privateKey: key.privateKey } });
    await signing.sendMail({
      from: 'tlsrpt-noreply@microsoft.com',
      to: 'tlsrpt@tlsrpt.example.com',
      subject: 'Report Domain: example.org Submitter: microsoft.com Report-ID: <ms-1@microsoft.com>',
      headers: { 'TLS-Report-Domain': 'example.org', 'TLS-Report-Submitter': 'microsoft.com' },
      text: 'This is an aggregate TLS report from Microsoft.',
      attachments: [
        {
          filename: 'microsoft.com!example.org!1795132800!1795219200.json.gz',
          content: gz(report('Microsoft Corporation', 'ms-1', [policy('example.org', 40, [{ type: 'certificate-not-trusted', count: 2, mx: 'mx.example.org' }], ['mx.example.org'])])),
          contentType: 'application/tlsrpt+gzip',
        },
      ],
    });
    const r = await deliver('raw/channel=email/smtp2loopbackmessage', received[received.length - 1]);
    expect(r.outcome).toBe(ProcessOutcome.STORED);
    expect(r.authentication).toMatchObject({ status: AuthenticationStatus.VERIFIED, reporterDomain: 'microsoft.com' });
    const m = metrics();
    expect(m.get('FailedSessions|Domain=example.org,Reporter=Microsoft')).toBe(2);
    expect(m.get('FailedSessions|Domain=example.org,MxHost=mx.example.org')).toBe(2);
  });
});

describe('trusted evidence: authentication, copies, metrics exactly once', () => {
  const FAILING = report('Google Inc.', '2026-11-20T00:00:00Z_example.com', [policy('example.com', 263, [{ type: 'certificate-expired', count: 37, mx: 'mx1.example.com' }])]);
  const FORGED = report('Google Inc.', '2026-11-20T00:00:00Z_example.com', [policy('example.com', 1_000_000, [])]);
  const storedRollups = (domain = 'example.com') =>
    [...store.entries()].filter(([k]) => k.startsWith(`rollups/domain=${domain}/`)).map(([, v]) => aggregate.rollupFromJson(JSON.parse(v.body.toString())));

  test('a forged HTTPS copy sent first with a real report\'s idempotency key neither replaces it nor hides its failure metrics', async () => {
    const forged = await deliver(httpsKey('forged-1'), gz(FORGED), 'application/tlsrpt+gzip');
    const real = await deliver('raw/channel=email/real-google-1', await signed(reportEmail(gz(FAILING))));
    expect([forged.outcome, real.outcome]).toEqual([ProcessOutcome.STORED, ProcessOutcome.STORED]);
    expect(real.reportKey).not.toBe(forged.reportKey);
    expect(metrics().get('FailedSessions|Domain=example.com,Verified=true')).toBe(37);
    expect(metrics().get('FailedSessions|')).toBe(37);
    const [merged] = aggregate.mergeRollups(storedRollups());
    expect(merged.contributions.map((c) => [c.authentication.status, c.failedSessions])).toEqual([
      ['verified', 37],
      ['https-unauthenticated', 0],
    ]);
    expect(merged.totals).toMatchObject({ reports: 1, failedSessions: 37, conflictingCopies: 1 });
  });

  test('a temporary DNS failure throws before anything is written; the retry stores the verified copy', async () => {
    const key = 'raw/channel=email/dns-flaky-1';
    const message = await signed(reportEmail(gz(GOOD)));
    store.set(key, { body: message });
    const servfail = deps({
      authenticate: (m, at) =>
        authenticateReportEmail(m, {
          resolveTxt: async () => {
            throw Object.assign(new Error('queryTxt ESERVFAIL'), { code: 'ESERVFAIL' });
          },
          receivedAt: at,
        }),
    });
    await expect(handler({ Records: [record(key, message.length)] }, undefined, servfail)).rejects.toThrow(/temporary DNS failure while verifying the DKIM signature of raw\/channel=email\/dns-flaky-1/);
    expect([...store.keys()]).toEqual([key]);
    expect(cloudwatch.commandCalls(PutMetricDataCommand)).toHaveLength(0);
    const retry = await handler({ Records: [record(key, message.length)] }, undefined, deps());
    expect(retry.results[0]).toMatchObject({ outcome: ProcessOutcome.STORED, authentication: { status: AuthenticationStatus.VERIFIED } });
  });

  test('the configuration is loaded before any write: when it cannot be read, nothing is written', async () => {
    const key = httpsKey('cfg-1');
    store.set(key, { body: gz(GOOD), contentType: 'application/tlsrpt+gzip' });
    await expect(handler({ Records: [record(key, 10)] }, undefined, deps({ config: async () => Promise.reject(new Error('AccessDenied')) }))).rejects.toThrow('AccessDenied');
    expect([...store.keys()]).toEqual([key]);
  });

  /** Makes the first store write matching `hit` fail with a 500, once. */
  function failStoreWriteOnce(hit: (key: string) => boolean): void {
    let failed = false;
    const original = store.set.bind(store);
    store.set = (k, v) => {
      if (!failed && hit(k)) {
        failed = true;
        throw Object.assign(new Error('InternalError'), { name: 'InternalError', $metadata: { httpStatusCode: 500 } });
      }
      return original(k, v);
    };
  }

  async function failThenRetry(key: string): Promise<ProcessResult> {
    store.set(key, { body: gz(GOOD), contentType: 'application/tlsrpt+gzip' });
    await expect(handler({ Records: [record(key, 10)] }, undefined, deps())).rejects.toThrow('InternalError');
    const retry = await handler({ Records: [record(key, 10)] }, undefined, deps());
    expect([...store.keys()].filter((k) => k.startsWith('rollups/'))).toHaveLength(2);
    expect([...store.keys()].filter((k) => k.endsWith('.done'))).toHaveLength(1);
    return retry.results[0];
  }

  test('CloudWatch fails once: the retry puts the metrics exactly once', async () => {
    let accepted = 0;
    let failed = false;
    cloudwatch.on(PutMetricDataCommand).callsFake(() => {
      if (!failed) {
        failed = true;
        throw Object.assign(new Error('InternalError'), { name: 'InternalError', $metadata: { httpStatusCode: 500 } });
      }
      accepted++;
      return {};
    });
    expect((await failThenRetry(httpsKey('retry-metrics'))).outcome).toBe(ProcessOutcome.STORED);
    expect(accepted).toBe(1);
  });

  test('a rollup write fails once (after the first write): the retry puts the metrics exactly once', async () => {
    failStoreWriteOnce((k) => k.startsWith('rollups/domain=unlisted.org/'));
    expect((await failThenRetry(httpsKey('retry-rollup'))).outcome).toBe(ProcessOutcome.STORED);
    expect(metrics().get('Reports|Channel=https')).toBe(1);
  });

  test('a retry after the metrics and the marker are written puts nothing again', async () => {
    const key = httpsKey('retry-after-done');
    await deliver(key, gz(GOOD), 'application/tlsrpt+gzip');
    const again = await handler({ Records: [record(key, 10)] }, undefined, deps());
    expect(again.results[0].outcome).toBe(ProcessOutcome.STORED);
    expect(metrics().get('Reports|Channel=https')).toBe(1);
  });

  test('the one window left: the marker write itself fails after the metrics, so the retry puts them again', async () => {
    // CloudWatch has no conditional put; the marker is written after the metrics (never before:
    // a crash in between would then lose them). This test pins the documented behaviour.
    failStoreWriteOnce((k) => k.endsWith('.done'));
    expect((await failThenRetry(httpsKey('retry-marker'))).outcome).toBe(ProcessOutcome.STORED);
    expect(metrics().get('Reports|Channel=https')).toBe(2);
  });

  test('two raw objects with the same copy (a duplicate delivery) meter it once, whichever comes first', async () => {
    const message = await signed(reportEmail(gz(GOOD)));
    const [a, b] = await Promise.all([deliver('raw/channel=email/dup-a', message), deliver('raw/channel=email/dup-b', message)]);
    expect([a.outcome, b.outcome].sort()).toEqual([ProcessOutcome.DUPLICATE, ProcessOutcome.STORED]);
    expect(metrics().get('Reports|Channel=email')).toBe(1);
  });

  test('rollup writes go through a bounded pool', async () => {
    const many = report('Google Inc.', 'many', Array.from({ length: 60 }, (_, i) => policy(`d${i}.example.com`, 1, [], [`mx.d${i}.example.com`])));
    let inFlight = 0;
    let most = 0;
    s3.on(PutObjectCommand).callsFake(async (input: PutObjectCommandInput) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 2));
      inFlight--;
      if (input.IfNoneMatch === '*' && store.has(input.Key!)) throw Object.assign(new Error('exists'), { name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } });
      store.set(input.Key!, { body: bodyBuffer(input.Body) });
      return {};
    });
    const r = await deliver(httpsKey('many-1'), gz(many), 'application/tlsrpt+gzip', deps({ writeConcurrency: 4 }));
    expect(r.rollupKeys).toHaveLength(60);
    expect(most).toBe(4);
  });
});

describe('the readiness verdict over what the processor stored', () => {
  const NOW_VERDICT = new Date('2026-12-01T10:00:00Z');
  const MXS = ['mx1.example.com', '*.mail.example.com'];
  const DAYS = Array.from({ length: 14 }, (_, i) => new Date(Date.parse('2026-11-15T00:00:00Z') + i * 86_400_000).toISOString().slice(0, 10));
  const dayReport = (org: string, day: string, success: number) => ({
    ...report(org, `${day}T00:00:00Z_example.com`, [policy('example.com', success, [], MXS)]),
    'date-range': { 'start-datetime': `${day}T00:00:00Z`, 'end-datetime': `${day}T23:59:59Z` },
  });
  const verdict = () =>
    assessReadiness(
      [...store.entries()].filter(([k]) => k.startsWith('rollups/domain=example.com/')).map(([, v]) => aggregate.rollupFromJson(JSON.parse(v.body.toString()))),
      { domain: 'example.com', now: NOW_VERDICT, expected: { mode: MtaStsMode.TESTING, mx: MXS } },
    );

  test('15 forged, back-dated HTTPS POSTs (a million sessions each, "google inc" twice spelled) leave the domain not ready', async () => {
    for (const [i, day] of [...DAYS, '2026-11-29'].entries()) {
      const r = await deliver(httpsKey(`forged-${i}`), gz(dayReport(i % 2 ? 'google inc' : 'Google Inc', day, 1_000_000)), 'application/tlsrpt+gzip');
      expect(r.outcome).toBe(ProcessOutcome.STORED);
    }
    const v = verdict();
    expect(v.ready).toBe(false);
    expect([v.reporters, v.successfulSessions, v.unverifiedReports]).toEqual([[], 0, 15]);
    expect(v.summary).toMatch(/^example\.com: not ready: no reports for 14 of 14 days/);
  });

  test('signed reports from two reporters over 14 days, delivered by email, make it ready', async () => {
    lab.key('microsoft.com', 'selector2', 'ed25519');
    for (const day of DAYS) {
      const google = await lab.sign(reportEmail(gz(dayReport('Google Inc.', day, 300)), { messageId: `g-${day}` }), { domain: 'google.com', selector: 'tlsrpt' });
      const msRaw = reportEmail(gz(dayReport('Microsoft Corporation', day, 200)), { messageId: `m-${day}` }).toString('latin1').replace(/^From: .*$/m, 'From: tlsrpt-noreply@microsoft.com');
      const microsoft = await lab.sign(Buffer.from(msRaw, 'latin1'), { domain: 'microsoft.com', selector: 'selector2', type: 'ed25519' });
      expect((await deliver(`raw/channel=email/g-${day}`, google)).authentication?.status).toBe(AuthenticationStatus.VERIFIED);
      expect((await deliver(`raw/channel=email/m-${day}`, microsoft)).authentication?.status).toBe(AuthenticationStatus.VERIFIED);
    }
    // Forged noise beside them changes nothing but the count of what was not counted.
    await deliver(httpsKey('noise'), gz(dayReport('Google Inc.', DAYS[3], 1_000_000)), 'application/tlsrpt+gzip');
    const v = verdict();
    expect(v.ready).toBe(true);
    expect(v.summary).toBe('example.com: ready for enforce (14 clean days; 2 verified reporters: google.com, microsoft.com; 7000 sessions; 1 unverified report not counted)');
  });
});

describe('Content-Encoding stored by the ingest', () => {
  /** Stores `bytes` with the ingest's metadata and runs the processor on it. */
  async function deliverEncoded(id: string, bytes: Buffer, metadata: Record<string, string> | undefined): Promise<ProcessResult> {
    const key = httpsKey(id, 'json');
    store.set(key, { body: bytes, contentType: 'application/tlsrpt+json' });
    s3.on(GetObjectCommand, { Key: key }).resolves({ Body: { transformToByteArray: async () => new Uint8Array(bytes) } as never, ContentType: 'application/tlsrpt+json', Metadata: metadata });
    return (await handler({ Records: [record(key, bytes.length)] }, undefined, deps())).results[0];
  }

  test('a br-encoded +json POST (no magic bytes: only the stored coding says what it is) is decoded and stored', async () => {
    const bytes = zlib.brotliCompressSync(Buffer.from(JSON.stringify(GOOD)));
    const r = await deliverEncoded('encoded-br', bytes, { 'content-encoding': 'br' });
    expect(r.outcome).toBe(ProcessOutcome.STORED);
    expect(metrics().get('FailedSessions|Domain=example.com')).toBe(7);
    // The control: the same bytes without the metadata are not a report.
    const control = await deliverEncoded('encoded-br-no-meta', bytes, undefined);
    expect([control.outcome, control.reason]).toEqual([ProcessOutcome.QUARANTINED, 'unrecognised-format']);
  });
});
