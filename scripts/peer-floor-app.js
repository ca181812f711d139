// A consumer app in plain JavaScript (no transpiler, so it runs against any aws-cdk-lib we test):
// every construct of the package, in the shapes a user builds, synthesized into CDK_OUTDIR.
// Used by scripts/peer-floor.sh; also a smoke test of the published package's main entry.
const { App, Stack } = require('aws-cdk-lib');
const route53 = require('aws-cdk-lib/aws-route53');
const { MtaSts, MtaStsCertificate, MtaStsMode, TlsRptCollector, TlsRptDestination, TlsRptDomain } = require('cdk-mta-sts');

const app = new App();
const account = '111111111111';
const zone = (s) => route53.HostedZone.fromHostedZoneAttributes(s, 'Zone', { hostedZoneId: 'Z0EXAMPLE', zoneName: 'example.com' });

const east = new Stack(app, 'FloorEast', { env: { account, region: 'us-east-1' }, crossRegionReferences: true });
const testing = new MtaSts(east, 'ExampleCom', {
  domainName: 'example.com', hostedZone: zone(east), mode: MtaStsMode.TESTING,
  mx: ['mx1.example.com', '*.mx.example.com'], tlsRptDestinations: [TlsRptDestination.mailto('tlsrpt@example.com')],
});
const cert = new MtaStsCertificate(east, 'EuCert', { domainName: 'eu.example.com', hostedZone: east.node.findChild('Zone') });

const eu = new Stack(app, 'FloorEu', { env: { account, region: 'eu-west-1' }, crossRegionReferences: true });
new MtaSts(eu, 'EuExampleCom', {
  domainName: 'eu.example.com', hostedZone: zone(eu), mode: MtaStsMode.ENFORCE, mx: ['mx1.eu.example.com'], certificate: cert.certificate,
});
const collectorStack = new Stack(app, 'FloorCollector', { env: { account, region: 'eu-west-1' } });
new TlsRptCollector(collectorStack, 'TlsRptCollector', {
  email: { domainName: 'tlsrpt.example.com', hostedZone: zone(collectorStack) },
  https: { domainName: 'tlsrpt.example.com', hostedZone: collectorStack.node.findChild('Zone') },
  domains: [TlsRptDomain.of({ domainName: 'example.com', mx: ['mx1.example.com'] }), TlsRptDomain.of({ domainName: 'eu.example.com', mx: ['mx1.eu.example.com'] })],
});
app.synth();
process.stdout.write(`synthesized ${app.node.children.length} stacks; policy id ${testing.policyId}\n`);
