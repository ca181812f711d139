import { App, Stack, Validations } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { MtaSts } from '../../lib/constructs/mta-sts';
import { MtaStsMode } from '../../lib/policy/mode';
import { TlsRptDestination } from '../../lib/policy/tls-rpt-destination';

/** Synthesizes with cdk-nag's AWS Solutions pack; resolves to the validation error text, or '' when clean. */
function nagFindings(build: (stack: Stack) => void): string {
  const app = new App();
  const stack = new Stack(app, 'NagStack', { env: { account: '111111111111', region: 'us-east-1' } });
  build(stack);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  try {
    app.synth();
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}

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
    const acks = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((m) => Object.entries(m.data as Record<string, string>));
    expect(acks.length).toBeGreaterThan(0);
    for (const [id, reason] of acks) {
      expect(id).toMatch(/AwsSolutions-/);
      expect(reason.length).toBeGreaterThan(30);
    }
  });
});
