import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { checkDomain } from '../../lib/check/check-domain';
import { reportFindings } from '../../lib/check/check-report';
import { MtaSts } from '../../lib/constructs/mta-sts';
import { Severity } from '../../lib/policy/findings';
import { MtaStsMode } from '../../lib/policy/mode';
import { TlsRptDestination } from '../../lib/policy/tls-rpt-destination';
import { servePolicy } from './servers/https-server';
import { Lab, LabMx } from './servers/lab';

let lab: Lab;

beforeAll(async () => {
  lab = await new Lab().start();
});

afterAll(async () => {
  await lab?.stop();
});

/** The character-strings of a TXT value as CloudFormation holds it (`"a" "b"`). */
function txtStrings(value: string): string[] {
  return [...value.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1].replace(/\\(.)/g, '$1'));
}

/** The TXT values the template publishes at `name`. */
function txtRecords(template: Template, name: string): string[][] {
  const sets = Object.values(template.findResources('AWS::Route53::RecordSet', { Properties: { Type: 'TXT', Name: `${name}.` } }));
  expect(sets).toHaveLength(1);
  return (sets[0].Properties.ResourceRecords as string[]).map(txtStrings);
}

describe('what the MtaSts construct synthesizes', () => {
  test.each([MtaStsMode.TESTING, MtaStsMode.ENFORCE])('passes the live check with no error or warning (mode %s)', async (mode) => {
    const domain = `construct-${mode}.test`;
    const app = new App();
    const stack = new Stack(app, 'Stack', { env: { account: '123456789012', region: 'us-east-1' } });
    const hostedZone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z123', zoneName: domain });
    const mtaSts = new MtaSts(stack, 'MtaSts', {
      domainName: domain,
      hostedZone,
      mode,
      mx: [`mx1.${domain}`, `*.mail.${domain}`],
      tlsRptDestinations: [TlsRptDestination.mailto('tlsrpt@example.net')],
    });
    const template = Template.fromStack(stack);

    // What the publication resource writes to the bucket, with the content type it sets.
    const [publication] = Object.values(template.findResources('Custom::MtaStsPolicy'));
    expect(publication.Properties.PolicyText).toBe(mtaSts.policyText);
    const contentType = publication.Properties.ContentType as string;

    // Live MX hosts: one named exactly, one under the wildcard.
    lab.domain(domain, {
      mx: [
        [`mx1.${domain}`, LabMx.GOOD],
        [`in.mail.${domain}`, LabMx.GOOD],
      ],
      stsTxt: txtRecords(template, `_mta-sts.${domain}`),
      rptTxt: txtRecords(template, `_smtp._tls.${domain}`),
      policy: servePolicy(publication.Properties.PolicyText as string, contentType),
    });

    const report = await checkDomain(domain, lab.options());
    expect(reportFindings(report).filter((f) => f.severity !== Severity.INFO)).toEqual([]);
    expect(report.policyId).toBe(mtaSts.policyId);
    expect(report.policy?.mode).toBe(mode);
    expect(report.mx.map((m) => m.covered)).toEqual([true, true]);
  });
});
