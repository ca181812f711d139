import { App, Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { MtaSts } from '../../lib/constructs/mta-sts';
import { MtaStsHosting } from '../../lib/constructs/mta-sts-hosting';
import { acknowledgementsOf, nagFindings } from '../helpers/nag';
import { MtaStsMode } from '../../lib/policy/mode';
import { TlsRptDestination } from '../../lib/policy/tls-rpt-destination';

const zone = (stack: Stack) => route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z1EXAMPLE', zoneName: 'example.com' });

describe('cdk-nag AwsSolutionsChecks', () => {
  test.each([MtaStsMode.TESTING, MtaStsMode.ENFORCE, MtaStsMode.NONE])('the default MtaSts stack in mode %s has no unacknowledged finding', (mode) => {
    const out = nagFindings((stack) => {
      new MtaSts(stack, 'ExampleCom', {
        domainName: 'example.com',
        hostedZone: zone(stack),
        mode,
        mx: ['mx1.example.com'],
        tlsRptDestinations: [TlsRptDestination.mailto('tlsrpt@example.com')],
      });
    });
    expect(out).toBe('');
  });

  test('a stack with a domain on external DNS (delegationZone, managed certificate, DNS MX guard) has no unacknowledged finding', () => {
    const out = nagFindings((stack) => {
      // The hosting's own certificate pins TLSv1.2_2021 (without it cdk-nag rightly reports CFR4).
      const certificate = acm.Certificate.fromCertificateArn(stack, 'HostingCert', 'arn:aws:acm:us-east-1:111111111111:certificate/hosting');
      const hosting = new MtaStsHosting(stack, 'Hosting', { certificate });
      const delegationZone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Delegation', { hostedZoneId: 'Z9DELEGATION', zoneName: 'mta-sts.ops.example.net' });
      new MtaSts(stack, 'ExampleCom', {
        domainName: 'example.com',
        delegationZone,
        hosting,
        mode: MtaStsMode.ENFORCE,
        mx: ['mx1.example.com'],
        tlsRptDestinations: [TlsRptDestination.mailto('tlsrpt@example.net')],
      });
    }, { account: '111111111111', region: 'eu-west-1' });
    expect(out).toBe('');
  });

  test('the check is live: an unacknowledged finding fails synthesis', () => {
    const out = nagFindings((stack) => {
      new MtaSts(stack, 'ExampleCom', { domainName: 'example.com', hostedZone: zone(stack), mx: ['mx1.example.com'] });
      // A bucket with none of the secure settings: cdk-nag must report it.
      new s3.Bucket(stack, 'Plain');
    });
    expect(out).toMatch(/AwsSolutions-S1|AwsSolutions-S10/);
  });

  test('every acknowledgement carries a reason', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: { account: '111111111111', region: 'us-east-1' } });
    new MtaSts(stack, 'ExampleCom', { domainName: 'example.com', hostedZone: zone(stack), mx: ['mx1.example.com'] });
    const acks = acknowledgementsOf(stack);
    expect(acks.length).toBeGreaterThan(0);
    for (const [id, reason] of acks) {
      expect(id).toMatch(/AwsSolutions-/);
      expect(reason.length).toBeGreaterThan(30);
    }
  });
});
