import { Duration } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as integrations from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { handlerFunction } from './handler-function';
import { acknowledgeNag } from './nag';

/** What the HTTPS channel needs. */
export interface HttpsChannelProps {
  readonly bucket: s3.IBucket;
  /** The key prefix the ingest may write (`raw/channel=https/`). */
  readonly rawPrefix: string;
  /** The endpoint's host name (normalised). */
  readonly domainName: string;
  readonly hostedZone: route53.IHostedZone;
  /** The path, without the leading slash. */
  readonly path: string;
  readonly certificate?: acm.ICertificate;
  readonly maxBodyBytes: number;
  readonly rateLimit: number;
  readonly burstLimit: number;
  /** The ingest Lambda's reserved concurrency. */
  readonly reservedConcurrency: number;
}

/** What the HTTPS channel created. */
export interface HttpsChannel {
  readonly certificate: acm.ICertificate;
  readonly function: lambda.Function;
  readonly httpApi: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly apiDomainName: apigwv2.DomainName;
}

/**
 * The HTTPS receiver: an API Gateway HTTP API (regional, dual-stack, default execute-api
 * endpoint disabled, stage throttling, JSON access logs) on a custom domain with a certificate
 * in the stack's region, one route `POST /<path>` to the ingest Lambda (no other method invokes it), and alias records.
 */
export function addHttpsChannel(scope: Construct, props: HttpsChannelProps): HttpsChannel {
  const certificate =
    props.certificate ??
    new acm.Certificate(scope, 'HttpsCertificate', { domainName: props.domainName, validation: acm.CertificateValidation.fromDns(props.hostedZone) });

  const { function: fn, role } = handlerFunction(
    scope,
    { logGroup: 'IngestLogGroup', role: 'IngestRole', function: 'Ingest' },
    {
      handler: 'tls-rpt-ingest',
      description: 'stores TLS-RPT reports POSTed to the HTTPS endpoint (RFC 8460 section 5.3)',
      roleDescription: 'stores TLS-RPT reports POSTed over HTTPS in the report bucket',
      timeout: Duration.seconds(15),
      extra: {
        environment: { BUCKET_NAME: props.bucket.bucketName, MAX_BODY_BYTES: String(props.maxBodyBytes) },
        reservedConcurrentExecutions: props.reservedConcurrency,
      },
    },
  );
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [props.bucket.arnForObjects(`${props.rawPrefix}*`)] }));

  const apiDomainName = new apigwv2.DomainName(scope, 'HttpsDomainName', {
    domainName: props.domainName,
    certificate,
    endpointType: apigwv2.EndpointType.REGIONAL,
    securityPolicy: apigwv2.SecurityPolicy.TLS_1_2,
    ipAddressType: apigwv2.IpAddressType.DUAL_STACK,
  });
  const httpApi = new apigwv2.HttpApi(scope, 'HttpApi', {
    description: `TLS-RPT report receiver (RFC 8460 section 5.3) at https://${props.domainName}/${props.path}`,
    createDefaultStage: false,
    // Only the custom domain answers: the throttled, logged, documented entry point.
    disableExecuteApiEndpoint: true,
    ipAddressType: apigwv2.IpAddressType.DUAL_STACK,
  });
  const routes = httpApi.addRoutes({
    path: `/${props.path}`,
    methods: [apigwv2.HttpMethod.POST],
    integration: new integrations.HttpLambdaIntegration('IngestIntegration', fn, { payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0 }),
  });
  for (const r of routes) {
    acknowledgeNag(r, [
      {
        id: 'AwsSolutions-APIG4',
        reason: 'RFC 8460 section 5.3: any reporter may POST a TLS report, unauthenticated by design; the endpoint is throttled, capped in size, and stores bytes only.',
      },
    ]);
  }
  const accessLogs = new logs.LogGroup(scope, 'HttpApiAccessLogs', { retention: logs.RetentionDays.THREE_MONTHS });
  const stage = new apigwv2.HttpStage(scope, 'HttpStage', {
    httpApi,
    stageName: '$default',
    autoDeploy: true,
    throttle: { rateLimit: props.rateLimit, burstLimit: props.burstLimit },
    domainMapping: { domainName: apiDomainName },
    accessLogSettings: {
      destination: new apigwv2.LogGroupLogDestination(accessLogs),
      format: apigw.AccessLogFormat.custom(
        JSON.stringify({
          requestId: '$context.requestId',
          time: '$context.requestTime',
          ip: '$context.identity.sourceIp',
          userAgent: '$context.identity.userAgent',
          method: '$context.httpMethod',
          path: '$context.path',
          status: '$context.status',
          responseLength: '$context.responseLength',
          error: '$context.error.message',
          integrationError: '$context.integrationErrorMessage',
        }),
      ),
    },
  });

  const target = route53.RecordTarget.fromAlias(new targets.ApiGatewayv2DomainProperties(apiDomainName.regionalDomainName, apiDomainName.regionalHostedZoneId));
  new route53.ARecord(scope, 'HttpsAliasRecord', { zone: props.hostedZone, recordName: `${props.domainName}.`, target });
  new route53.AaaaRecord(scope, 'HttpsAliasRecordIpv6', { zone: props.hostedZone, recordName: `${props.domainName}.`, target });

  return { certificate, function: fn, httpApi, stage, apiDomainName };
}
