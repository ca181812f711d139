import { normalizeHostname } from '../policy/domain-name';
import { error, Finding, info, MtaStsValidationError, Severity, warning } from '../policy/findings';
import { MtaStsMode } from '../policy/mode';
import { mxCoverage, mxPatternMatches, parseMxPattern } from '../policy/mx-pattern';
import { decodePolicyBody, parsePolicy, ParsedPolicy } from '../policy/policy-parse';
import { mtaStsRecordName, parseMtaStsRecords, parseTlsRptRecords, tlsRptRecordName } from '../policy/records';
import { CheckOptions, resolveCheckOptions } from './check-options';
import { CheckReport, CheckSection, CheckSectionId, MxProbe, PolicySummary, SmtpStage } from './check-report';
import { DnsLookup, DnsOutcome, DnsResult, isTransportFailure, MxRecord } from './dns-lookup';
import { fetchPolicy, notLookedUpInfo, PolicyFetchResult } from './policy-fetch';
import { MxProbeResult, MxTarget, probeMxHosts } from './smtp-probe';

/**
 * Checks the MTA-STS and TLS-RPT set-up of `domain` live, as a sending MTA sees it: the
 * `_mta-sts` and `_smtp._tls` TXT records, the MX records, the policy fetched over HTTPS, and
 * STARTTLS on every MX host. The RFC rules are the core's (`lib/policy`); this adds the network.
 *
 * The policy fetch and the MX probes run at the same time, and the MX hosts are probed in
 * parallel, each within its own time budget.
 *
 * Throws `MtaStsValidationError` when `domain` is not a domain name, and `Error` on a bad
 * option; every problem of the domain itself is a finding in the report.
 *
 * @example
 * const report = await checkDomain('example.com');
 * process.stdout.write(renderCheckText(report));
 */
export async function checkDomain(domain: string, options: CheckOptions = {}): Promise<CheckReport> {
  const normalized = normalizeHostname(domain, 'domain', 'a domain name');
  if (normalized.name === undefined) throw new MtaStsValidationError(normalized.findings);
  const name = normalized.name;
  const opts = resolveCheckOptions(options);
  const lookup = new DnsLookup(opts);
  const startedAt = new Date();
  const start = Date.now();

  const stsName = mtaStsRecordName(name);
  const rptName = tlsRptRecordName(name);
  const [stsTxt, rptTxt, mx, stsCname, rptCname] = await Promise.all([
    lookup.txt(stsName),
    lookup.txt(rptName),
    lookup.mx(name),
    lookup.cnameInfo(stsName, 'TXT'),
    lookup.cnameInfo(rptName, 'TXT'),
  ]);

  const dns = section(CheckSectionId.DNS);
  const policySection = section(CheckSectionId.POLICY);
  const mxSection = section(CheckSectionId.MX);
  const rptSection = section(CheckSectionId.TLS_RPT);
  const finish = (extra: Partial<CheckReport>): CheckReport => ({
    domain: name,
    resolver: lookup.serverLabel,
    checkedAt: startedAt.toISOString(),
    durationMs: Date.now() - start,
    rua: [],
    mxHosts: [],
    mx: [],
    ...extra,
    sections: [dns, policySection, mxSection, rptSection],
  });

  // A resolver that cannot resolve at all must not pass for a broken domain: say it once.
  const unusable = await unusableResolverFinding(lookup, name, [stsTxt, rptTxt, mx]);
  if (unusable) {
    dns.findings.push(unusable);
    policySection.findings.push(info('check-skipped', name, 'the policy, MX and TLS-RPT checks were skipped: they all need DNS; fix DNS first'));
    return finish({});
  }

  // DNS: _mta-sts TXT.
  if (stsCname) dns.findings.push(stsCname);
  const stsField = `${stsName} TXT`;
  const sts = readRecords(stsTxt, lookup, stsName, 'the MTA-STS record', (records) => parseMtaStsRecords(records, stsField));
  dns.findings.push(...sts.findings);
  if (stsTxt.outcome === DnsOutcome.NXDOMAIN || stsTxt.outcome === DnsOutcome.NODATA) {
    dns.findings.push(
      info('dns-no-record', stsField, `${stsName} has no TXT record (${stsTxt.outcome}): publish one with the value "v=STSv1; id=<policy id>;" once the policy is served`),
    );
  }
  if (sts.parsed?.record !== undefined) dns.ok.push(`${stsField}: ${JSON.stringify(sts.parsed.record)}${sts.parsed.id ? ` (policy id ${sts.parsed.id})` : ''}`);

  // DNS: MX.
  const mxTargets = readMx(mx, name, lookup, dns.findings);
  if (mx.outcome === DnsOutcome.OK && mxTargets.length > 0) {
    dns.ok.push(`${name} MX: ${mx.records.map((r) => `${r.priority} ${r.exchange}`).join(', ')}`);
  }

  // Policy fetch and MX probes, together.
  const [fetched, probes] = await Promise.all([
    fetchPolicy(name, lookup, opts),
    mxTargets.length > 0 && opts.probeSmtp ? probeMxHosts(mxTargets, lookup, opts) : Promise.resolve(mxTargets.map(notProbed)),
  ]);
  if (!opts.probeSmtp && mxTargets.length > 0) {
    mxSection.findings.push(info('mx-not-probed', 'mx', `STARTTLS on ${mxTargets.map((t) => t.host).join(', ')} was not probed (SMTP probes are off here): run \`mta-sts check ${name}\` from a host that may connect to port 25`));
  }

  // Policy.
  const { parsed, text } = readPolicy(fetched, policySection);
  if (sts.parsed?.id === undefined && fetched.body !== undefined) policySection.findings.push(notLookedUpInfo(name));
  let policy: PolicySummary | undefined;
  if (parsed) {
    policy = { mode: parsed.mode, mx: parsed.mx, maxAgeSeconds: parsed.maxAgeSeconds };
    if (parsed.mode !== undefined) {
      policySection.ok.push(`mode ${parsed.mode}, mx ${parsed.mx.join(', ') || '(none)'}, max_age ${parsed.maxAgeSeconds ?? '(invalid)'}`);
    }
  }

  // MX: coverage, then each host.
  const mxProbes: MxProbe[] = [];
  const patterns = parsed ? usablePatterns(parsed) : undefined;
  probes.forEach((p) => {
    const matchedBy = patterns?.filter((pat) => mxPatternMatches(pat, p.probe.host));
    const covered = matchedBy === undefined ? undefined : matchedBy.length > 0;
    mxProbes.push({ ...p.probe, covered });
    if (covered === false && parsed) mxSection.findings.push(notCovered(p.probe.host, parsed, patterns!));
    else if (covered) mxSection.ok.push(`MX host ${p.probe.host} is covered by the policy (${matchedBy!.join(', ')})`);
    mxSection.ok.push(...p.ok);
    mxSection.findings.push(...p.findings);
  });
  if (patterns !== undefined && mxTargets.length > 0) {
    for (const pat of mxCoverage(patterns, mxTargets.map((t) => t.host)).unusedPatterns) {
      mxSection.findings.push(info('mx-pattern-unused', 'mx', `the policy's mx pattern "${pat}" matches none of the MX hosts (${mxTargets.map((t) => t.host).join(', ')}): harmless, but check it is not a typo`));
    }
  }

  // TLS-RPT.
  if (rptCname) rptSection.findings.push(rptCname);
  const rptField = `${rptName} TXT`;
  const rpt = readRecords(rptTxt, lookup, rptName, 'the TLS-RPT record', (records) => parseTlsRptRecords(records, rptField));
  for (const f of rpt.findings) {
    if (f.code === 'txt-missing') {
      // RFC 8460 makes TLS-RPT optional: without it the domain only gets no reports.
      rptSection.findings.push(
        warning('tlsrpt-missing', rptField, `${rptName} has no "v=TLSRPTv1;" record, so no sender reports TLS failures to you: publish "v=TLSRPTv1; rua=mailto:tlsrpt@${name}" there`),
      );
    } else {
      rptSection.findings.push(f);
    }
  }
  if (rpt.parsed?.record !== undefined) rptSection.ok.push(`${rptField}: ${JSON.stringify(rpt.parsed.record)}`);

  return finish({
    mtaStsRecord: sts.parsed?.record,
    policyId: sts.parsed?.id,
    tlsRptRecord: rpt.parsed?.record,
    rua: rpt.parsed?.rua ?? [],
    mxHosts: mxTargets.map((t) => t.host),
    fetch: text === undefined ? fetched.fetch : { ...fetched.fetch, text },
    policy,
    mx: mxProbes,
  });
}

/** An MX host matched against the policy without an SMTP connection (`probeSmtp` off). */
function notProbed(t: MxTarget): MxProbeResult {
  return { probe: { host: t.host, priority: t.priority, addresses: [], stage: SmtpStage.RESOLVE, elapsedMs: 0 }, ok: [], findings: [] };
}

/**
 * The `dns-unusable` finding when the resolver cannot resolve at all, or undefined when it can.
 * Every lookup failing in transport says so already. When the domain looks absent (its MX
 * lookup failed or is NXDOMAIN, and neither TXT record came), a control query that every
 * working resolver answers (the root zone's NS records) tells a sandbox resolver that says
 * NXDOMAIN for everything apart from a domain that does not exist.
 */
async function unusableResolverFinding(lookup: DnsLookup, domain: string, results: DnsResult<unknown>[]): Promise<Finding | undefined> {
  const [stsTxt, rptTxt, mx] = results;
  let why: string;
  if (results.every((r) => isTransportFailure(r.outcome))) {
    why = `it ${mx.outcome === DnsOutcome.TIMEOUT ? 'did not answer in time' : `cannot be reached (${mx.code})`} for any lookup: check the address and port of --dns-server, or the network`;
  } else {
    const absent = mx.outcome !== DnsOutcome.OK && mx.outcome !== DnsOutcome.NODATA && stsTxt.outcome !== DnsOutcome.OK && rptTxt.outcome !== DnsOutcome.OK;
    if (!absent) return undefined;
    const control = await lookup.rootNs();
    if (control.outcome === DnsOutcome.OK) return undefined;
    why =
      `it answered ${mx.outcome.toUpperCase()} for ${domain} and ${control.outcome.toUpperCase()} for the root zone's NS records, which every working resolver answers: ` +
      'this machine has no working DNS (an offline or sandboxed runner?); run the check where DNS works, or give a resolver with --dns-server';
  }
  return error('dns-unusable', `${domain} DNS`, `DNS cannot resolve at all through ${lookup.serverLabel}, so nothing about ${domain} was checked: ${why}`);
}

function section(id: CheckSectionId): CheckSection {
  return { id, ok: [], findings: [] };
}

/** Parses TXT records with `parse`, or reports the lookup failure. NXDOMAIN and NODATA parse as no record. */
function readRecords<T extends { findings: Finding[] }>(
  result: DnsResult<string[]>,
  lookup: DnsLookup,
  name: string,
  what: string,
  parse: (records: string[][]) => T,
): { parsed?: T; findings: Finding[] } {
  const failure = lookup.failureFinding(result, name, 'TXT', what);
  if (failure) return { findings: [failure] };
  const parsed = parse(result.records);
  return { parsed, findings: parsed.findings };
}

/** The MX hosts to probe, with the findings about the MX lookup itself. */
function readMx(result: DnsResult<MxRecord>, domain: string, lookup: DnsLookup, findings: Finding[]): MxTarget[] {
  const failure = lookup.failureFinding(result, domain, 'MX', 'the MX records');
  if (failure) {
    findings.push(failure);
    return [];
  }
  if (result.outcome === DnsOutcome.NXDOMAIN) {
    findings.push(error('dns-domain-not-found', `${domain} MX`, `${domain} does not exist in DNS (NXDOMAIN): check the spelling, or publish the zone and its MX records`));
    return [];
  }
  if (result.outcome === DnsOutcome.NODATA) {
    findings.push(
      warning(
        'dns-mx-missing',
        `${domain} MX`,
        `${domain} has no MX record: senders fall back to its address (implicit MX, RFC 5321) and match "${domain}" against the policy; publish MX records naming your mail hosts`,
      ),
    );
    return [{ host: domain }];
  }
  if (result.records.some((r) => r.exchange === '')) {
    findings.push(
      warning('dns-mx-null', `${domain} MX`, `${domain} publishes a null MX (RFC 7505): it accepts no mail, so an MTA-STS policy protects nothing; remove the MTA-STS records or publish real MX hosts`),
    );
  }
  const seen = new Set<string>();
  return result.records
    .filter((r) => r.exchange !== '' && !seen.has(r.exchange) && seen.add(r.exchange))
    .map((r) => ({ host: r.exchange, priority: r.priority }));
}

/** Decodes and parses the fetched body into the policy section; returns the parsed policy. */
function readPolicy(fetched: PolicyFetchResult, target: CheckSection): { parsed?: ParsedPolicy; text?: string } {
  target.ok.push(...fetched.ok);
  target.findings.push(...fetched.findings);
  if (fetched.body === undefined) return {};
  const decoded = decodePolicyBody(fetched.body, fetched.fetch.contentType);
  target.findings.push(...decoded.findings);
  const parsed = parsePolicy(decoded.text);
  target.findings.push(...parsed.findings);
  return { parsed, text: decoded.text };
}

/**
 * The patterns that can match an MX host: the `mx` values the core did not flag as unusable
 * (`policy-mx-form`, `policy-mx-invalid`), normalised.
 */
function usablePatterns(parsed: ParsedPolicy): string[] {
  const unusable = new Set(parsed.findings.filter((f) => f.code === 'policy-mx-form' || f.code === 'policy-mx-invalid').map((f) => f.field));
  return parsed.mx.flatMap((m, i) => {
    if (unusable.has(`mx[${i}]`)) return [];
    const p = parseMxPattern(m, `mx[${i}]`).pattern;
    return p === undefined ? [] : [p];
  });
}

function notCovered(host: string, parsed: ParsedPolicy, patterns: string[]): Finding {
  const list = patterns.length > 0 ? patterns.join(', ') : '(none usable)';
  const message =
    `MX host ${host} is matched by no mx pattern of the policy (${list}): ` +
    (parsed.mode === MtaStsMode.ENFORCE ? 'under enforce senders refuse to deliver to it' : parsed.mode === MtaStsMode.TESTING ? 'senders report every delivery to it as a failure, and under enforce would refuse it' : 'under testing or enforce senders would refuse it') +
    `; a wildcard covers exactly one label; add "mx: ${host}" to the policy or fix the MX record`;
  const severity = parsed.mode === MtaStsMode.ENFORCE || parsed.mode === MtaStsMode.TESTING ? Severity.ERROR : Severity.INFO;
  return { code: 'mx-not-covered', severity, field: host, message };
}
