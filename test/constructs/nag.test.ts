import { App, Stack } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { MtaSts } from '../../lib/constructs/mta-sts';
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
