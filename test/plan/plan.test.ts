import { LiveRecordSet } from '../../lib/aws/record-set';
import { PublishedDomain, publishedDomain } from '../../lib/config/published-domain';
import { parseConfig, resolveStage } from '../../lib/config/stage-config';
import { Severity } from '../../lib/policy/findings';
import { LiveDomainRecords, planDomain, planExitCode, PlanExitCode, RecordChange, renderPlanJson, renderPlanText, StagePlan } from '../../lib/plan/plan';
import { MxVerdict } from '../../lib/plan/mx-assessment';

function published(mode: string, mx: string[] = ['mx1.example.com', '*.mx.example.com'], tlsRpt: string[] | null = ['mailto:tlsrpt@example.com']): PublishedDomain {
  const config = parseConfig({
    domains: { 'example.com': { hostedZoneId: 'Z1EXAMPLE', hostedZoneName: 'example.com', mx, ...(tlsRpt ? { tlsRpt } : {}) } },
    stages: { dev: { account: '111111111111', region: 'us-east-1', mode } },
  });
  return publishedDomain('dev', resolveStage(config, 'dev').domains[0]);
}

const txt = (name: string, ...values: string[]): LiveRecordSet => ({ name, type: 'TXT', ttl: 300, values: values.map((v) => JSON.stringify(v)) });
const mxSet = (...values: string[]): LiveRecordSet => ({ name: 'example.com', type: 'MX', ttl: 300, values });
const alias = (type: string, target: string): LiveRecordSet => ({ name: 'mta-sts.example.com', type, values: [], aliasTarget: target });

const MATCHING_MX = [mxSet('10 mx1.example.com.', '20 a.mx.example.com.')];
const EMPTY: LiveDomainRecords = { mtaSts: [], tlsRpt: [], policyHost: [], mx: MATCHING_MX };

/** The records a previous deploy of `p` left in the zone. */
function deployed(p: PublishedDomain, overrides: Partial<LiveDomainRecords> = {}): LiveDomainRecords {
  return {
    mtaSts: [txt(p.mtaStsRecord.name, p.mtaStsRecord.value)],
    tlsRpt: p.tlsRptRecord ? [txt(p.tlsRptRecord.name, p.tlsRptRecord.value)] : [],
    policyHost: [alias('A', 'd111.cloudfront.net'), alias('AAAA', 'd111.cloudfront.net')],
    mx: MATCHING_MX,
    ...overrides,
  };
}

const plan = (p: PublishedDomain, live: LiveDomainRecords) => planDomain({ published: p, hostedZoneId: 'Z1EXAMPLE', hostedZoneName: 'example.com', live });
const codes = (d: ReturnType<typeof plan>, severity?: Severity) => d.findings.filter((f) => severity === undefined || f.severity === severity).map((f) => f.code);
const stage = (...domains: ReturnType<typeof plan>[]): StagePlan => ({ stage: 'dev', domains });

describe('plan: records', () => {
  test('a fresh zone with matching MX: everything is created, no finding but the notes', () => {
    const d = plan(published('testing'), EMPTY);
    expect(d.policy).toEqual({ mode: 'testing', liveId: undefined, plannedId: published('testing').policyId, change: RecordChange.CREATE });
    expect(d.records.map((r) => [r.name, r.change])).toEqual([
      ['_mta-sts.example.com', RecordChange.CREATE],
      ['_smtp._tls.example.com', RecordChange.CREATE],
      ['mta-sts.example.com', RecordChange.CREATE],
    ]);
    expect(d.mx.verdict).toBe(MxVerdict.COVERED);
    expect(codes(d, Severity.ERROR)).toEqual([]);
    expect(codes(d, Severity.WARNING)).toEqual([]);
    expect(planExitCode(stage(d), true)).toBe(PlanExitCode.OK);
  });

  test('a zone this app deployed, same policy: unchanged everywhere, clean even with --strict', () => {
    const p = published('testing');
    const d = plan(p, deployed(p));
    expect(d.policy.change).toBe(RecordChange.UNCHANGED);
    expect(d.records.map((r) => r.change)).toEqual([RecordChange.UNCHANGED, RecordChange.UNCHANGED, RecordChange.UNCHANGED]);
    expect(d.findings).toEqual([]);
    expect(planExitCode(stage(d), true)).toBe(PlanExitCode.OK);
  });

  test('promotion: the id changes old -> new, the record is updated, no conflict warning', () => {
    const before = published('testing');
    const after = published('enforce');
    const d = plan(after, deployed(before));
    expect(d.policy).toEqual({ mode: 'enforce', liveId: before.policyId, plannedId: after.policyId, change: RecordChange.UPDATE });
    expect(d.records[0]).toMatchObject({ live: [before.mtaStsRecord.value], planned: after.mtaStsRecord.value, change: RecordChange.UPDATE });
    expect(codes(d)).toEqual([]);
  });

  test('a hand-made _mta-sts record: a warning that CloudFormation may fail with "already exists"', () => {
    const p = published('testing');
    const d = plan(p, { ...EMPTY, mtaSts: [txt('_mta-sts.example.com', 'v=STSv1; id=20240101T000000;')] });
    expect(d.policy).toMatchObject({ liveId: '20240101T000000', change: RecordChange.UPDATE });
    const f = d.findings.find((x) => x.code === 'plan-record-exists')!;
    expect(f).toMatchObject({ severity: Severity.WARNING, field: '_mta-sts.example.com' });
    expect(f.message).toMatch(/20240101T000000.*already exists/);
    expect(planExitCode(stage(d), false)).toBe(PlanExitCode.OK);
    expect(planExitCode(stage(d), true)).toBe(PlanExitCode.WARNINGS);
  });

  test('a hand-made TLS-RPT record before any MTA-STS record: a conflict warning', () => {
    const d = plan(published('testing'), { ...EMPTY, tlsRpt: [txt('_smtp._tls.example.com', 'v=TLSRPTv1; rua=mailto:old@example.com')] });
    expect(d.records[1]).toMatchObject({ live: ['v=TLSRPTv1; rua=mailto:old@example.com'], change: RecordChange.UPDATE });
    expect(d.findings.filter((f) => f.code === 'plan-record-exists').map((f) => f.field)).toEqual(['_smtp._tls.example.com']);
  });

  test('a TLS-RPT change on a managed domain is an update, not a warning', () => {
    const p = published('testing', undefined, ['mailto:new@example.com']);
    const d = plan(p, deployed(published('testing')));
    expect(d.records[1]).toMatchObject({ live: ['v=TLSRPTv1; rua=mailto:tlsrpt@example.com'], planned: 'v=TLSRPTv1; rua=mailto:new@example.com', change: RecordChange.UPDATE });
    expect(codes(d)).toEqual([]);
  });

  test('TLS-RPT live but no longer configured: not published (deleted only if this stack made it)', () => {
    const p = published('testing', undefined, null);
    const d = plan(p, deployed(published('testing')));
    expect(d.records[1]).toMatchObject({ planned: undefined, change: RecordChange.NOT_PUBLISHED });
    expect(codes(d, Severity.INFO)).toContain('plan-tlsrpt-not-published');
  });

  test('a TXT record split into several strings is compared joined', () => {
    const p = published('testing');
    const split: LiveRecordSet = { name: '_mta-sts.example.com', type: 'TXT', values: [`"v=STSv1; " "id=${p.policyId};"`] };
    const d = plan(p, deployed(p, { mtaSts: [split] }));
    expect(d.records[0].change).toBe(RecordChange.UNCHANGED);
    expect(d.policy.change).toBe(RecordChange.UNCHANGED);
  });

  test('a CNAME at _mta-sts: an error (CloudFormation cannot create the TXT beside it)', () => {
    const d = plan(published('testing'), { ...EMPTY, mtaSts: [{ name: '_mta-sts.example.com', type: 'CNAME', values: ['_mta-sts.provider.example.'] }] });
    expect(codes(d, Severity.ERROR)).toEqual(['plan-cname-conflict']);
    expect(d.findings[0].message).toMatch(/_mta-sts\.example\.com is a CNAME/);
    expect(planExitCode(stage(d), false)).toBe(PlanExitCode.ERRORS);
  });

  test('weighted TXT record sets at _mta-sts: an error', () => {
    const weighted = { ...txt('_mta-sts.example.com', 'v=STSv1; id=1;'), setIdentifier: 'blue' };
    const d = plan(published('testing'), { ...EMPTY, mtaSts: [weighted] });
    expect(codes(d, Severity.ERROR)).toEqual(['plan-routing-policy-conflict']);
  });

  test('a plain A record at mta-sts.<domain>: a conflict warning; a CloudFront alias of a managed domain: unchanged', () => {
    const p = published('testing');
    const plain = plan(p, deployed(p, { policyHost: [{ name: 'mta-sts.example.com', type: 'A', ttl: 300, values: ['192.0.2.1'] }] }));
    expect(plain.records[2]).toMatchObject({ live: ['A 192.0.2.1'], change: RecordChange.UPDATE });
    expect(plain.findings.map((f) => [f.code, f.field])).toEqual([['plan-record-exists', 'mta-sts.example.com']]);
    const managed = plan(p, deployed(p));
    expect(managed.records[2]).toMatchObject({ live: ['A alias d111.cloudfront.net', 'AAAA alias d111.cloudfront.net'], change: RecordChange.UNCHANGED });
  });

  test('the first policy in mode enforce: a warning to start with testing', () => {
    const d = plan(published('enforce'), EMPTY);
    expect(codes(d, Severity.WARNING)).toEqual(['plan-enforce-first']);
  });
});

describe('plan: MX coverage', () => {
  test.each([
    ['enforce', Severity.ERROR, PlanExitCode.ERRORS],
    ['testing', Severity.WARNING, PlanExitCode.OK],
    ['none', Severity.INFO, PlanExitCode.OK],
  ])('an extra, uncovered MX under %s is an %s', (mode, severity, exit) => {
    const p = published(mode);
    const d = plan(p, deployed(p, { mx: [mxSet('10 mx1.example.com.', '20 backup.example.net.')] }));
    expect(d.mx.verdict).toBe(MxVerdict.UNCOVERED);
    expect(d.mx.uncoveredHosts).toEqual(['backup.example.net']);
    const f = d.findings.find((x) => x.code === 'plan-mx-uncovered')!;
    expect(f.severity).toBe(severity);
    expect(f.message).toContain('backup.example.net');
    expect(planExitCode(stage(d), false)).toBe(exit);
  });

  test('a wildcard covers exactly one label', () => {
    const p = published('enforce', ['*.mx.example.com']);
    const d = plan(p, deployed(p, { mx: [mxSet('10 a.mx.example.com.', '20 a.b.mx.example.com.')] }));
    expect(d.mx.hosts).toEqual([
      { host: 'a.mx.example.com', preference: 10, matchedBy: ['*.mx.example.com'] },
      { host: 'a.b.mx.example.com', preference: 20, matchedBy: [] },
    ]);
    expect(d.mx.uncoveredHosts).toEqual(['a.b.mx.example.com']);
    expect(codes(d, Severity.ERROR)).toEqual(['plan-mx-uncovered']);
  });

  test('no MX under enforce: an error; under testing: a warning', () => {
    const enforce = plan(published('enforce'), { ...deployed(published('enforce')), mx: [] });
    expect(enforce.mx.verdict).toBe(MxVerdict.NO_MX);
    expect(codes(enforce, Severity.ERROR)).toEqual(['plan-no-mx']);
    const testing = plan(published('testing'), { ...deployed(published('testing')), mx: [] });
    expect(codes(testing, Severity.WARNING)).toEqual(['plan-no-mx']);
    expect(codes(testing, Severity.ERROR)).toEqual([]);
  });

  test('a null MX under enforce: an error', () => {
    const p = published('enforce');
    const d = plan(p, deployed(p, { mx: [mxSet('0 .')] }));
    expect(d.mx.verdict).toBe(MxVerdict.NULL_MX);
    expect(codes(d, Severity.ERROR)).toEqual(['plan-null-mx']);
  });

  test('a pattern matching no live MX: a warning', () => {
    const p = published('testing');
    const d = plan(p, deployed(p, { mx: [mxSet('10 mx1.example.com.')] }));
    expect(d.mx.unusedPatterns).toEqual(['*.mx.example.com']);
    expect(codes(d, Severity.WARNING)).toEqual(['plan-mx-pattern-unused']);
  });

  test('weighted MX record sets: every set counts, with a note', () => {
    const p = published('enforce');
    const sets = [
      { ...mxSet('10 mx1.example.com.'), setIdentifier: 'a' },
      { ...mxSet('10 other.example.org.'), setIdentifier: 'b' },
    ];
    const d = plan(p, deployed(p, { mx: sets }));
    expect(d.mx.uncoveredHosts).toEqual(['other.example.org']);
    expect(codes(d, Severity.INFO)).toContain('plan-mx-routing-policy');
  });
});

describe('plan: rendering', () => {
  test('text: a Markdown section per domain with the record table, the id change, the MX verdict and the findings', () => {
    const before = published('testing');
    const after = published('enforce');
    const d = plan(after, deployed(before, { mx: [mxSet('10 mx1.example.com.', '20 backup.example.net.')] }));
    const text = renderPlanText(stage(d));
    expect(text).toMatch(/^# mta-sts plan: stage dev\n/);
    expect(text).toContain('## example.com (zone example.com, Z1EXAMPLE)');
    expect(text).toContain(`Policy: mode **enforce**, id \`${before.policyId}\` → \`${after.policyId}\``);
    expect(text).toContain('| record | live | planned | change |');
    expect(text).toContain(`| \`_mta-sts.example.com\` TXT | \`${before.mtaStsRecord.value}\` | \`${after.mtaStsRecord.value}\` | update |`);
    expect(text).toContain('- `mx1.example.com` (10): covered by `mx1.example.com`');
    expect(text).toContain('- `backup.example.net` (20): **not covered**');
    expect(text).toMatch(/- \*\*error\*\* .*backup\.example\.net.* \[plan-mx-uncovered\]/);
    expect(text).toMatch(/\*\*1 domain\(s\), 1 error\(s\), \d+ warning\(s\)\*\*: do not deploy/);
  });

  test('text: an unchanged plan says ready to deploy', () => {
    const p = published('testing');
    const text = renderPlanText(stage(plan(p, deployed(p))));
    expect(text).toContain(`Policy: mode **testing**, unchanged, id \`${p.policyId}\``);
    expect(text).toMatch(/0 error\(s\), 0 warning\(s\)\*\*: ready to deploy\n$/);
  });

  test('JSON: the plan model with totals', () => {
    const p = published('enforce');
    const json = JSON.parse(renderPlanJson(stage(plan(p, { ...deployed(p), mx: [] }))));
    expect(json).toMatchObject({ stage: 'dev', errors: 1, warnings: 0 });
    expect(json.domains[0]).toMatchObject({ domain: 'example.com', policy: { change: 'unchanged' }, mx: { verdict: 'no-mx' } });
  });
});
