// Route 53 record listing shared by the MX guard handler and `mta-sts plan`: thin, with the
// client injected, and every AWS failure turned into one sentence that says what is missing.
import { ListResourceRecordSetsCommand, ResourceRecordSet, Route53Client, RRType } from '@aws-sdk/client-route-53';
import { bareZoneId, canonicalRecordName, hostedZoneArn, LiveRecordSet } from './record-set';

/** Route 53 is a global service whose API lives in us-east-1, whatever the stack's region. */
export const ROUTE53_REGION = 'us-east-1';

/**
 * Attempts per call, retries included. The SDK's standard retry strategy retries `Throttling`
 * and `PriorRequestNotComplete` (both throttling codes to it) with exponential backoff and
 * jitter; 8 attempts span about a minute, Route 53's 5 requests a second per account included.
 */
export const ROUTE53_MAX_ATTEMPTS = 8;

/** How many pages `listRecordSets` reads at most before giving up (a guard against a loop). */
export const MAX_PAGES = 100;

/** The Route 53 client both the guard and the CLI use: us-east-1, retries as above. */
export function route53Client(): Route53Client {
  return new Route53Client({ region: ROUTE53_REGION, maxAttempts: ROUTE53_MAX_ATTEMPTS });
}

// Pure, in record-set.ts: the constructs use them, and must not load the SDK.
export { bareZoneId, hostedZoneArn } from './record-set';

/** What to list. */
export interface ListRecordSetsOptions {
  /** The hosted zone id (`Z123` or `/hostedzone/Z123`). */
  readonly hostedZoneId: string;
  /** The owner name (with or without the trailing dot). */
  readonly name: string;
  /**
   * Only this type.
   * @default - every type at `name`
   */
  readonly type?: RRType;
  /**
   * Record sets per page (Route 53 allows 1 to 300).
   * @default - Route 53's default (300)
   */
  readonly pageSize?: number;
  /**
   * Pages read at most; more record sets at the name than that is an error (`Route53ErrorKind.OTHER`).
   * @default MAX_PAGES
   */
  readonly maxPages?: number;
}

/**
 * Lists the record sets at exactly `name` (and `type`, when given) in a hosted zone, every
 * routing-policy variant included (weighted, latency, failover… sets share a name and type
 * and differ by set identifier).
 *
 * Starts at `StartRecordName`/`StartRecordType` and follows `NextRecordName`,
 * `NextRecordType` and `NextRecordIdentifier` while they stay at that name and type: Route 53
 * lists record sets sorted by name then type, so the first set past them ends the listing.
 *
 * @throws Route53Error with a message that says what is missing (permission, credentials)
 */
export async function listRecordSets(client: Route53Client, options: ListRecordSetsOptions): Promise<LiveRecordSet[]> {
  const zone = bareZoneId(options.hostedZoneId);
  const target = canonicalRecordName(options.name);
  const found: LiveRecordSet[] = [];
  let start: { name: string; type?: string; identifier?: string } = { name: `${target}.`, type: options.type };
  const maxPages = options.maxPages ?? MAX_PAGES;
  for (let page = 0; page < maxPages; page++) {
    let out;
    try {
      out = await client.send(
        new ListResourceRecordSetsCommand({
          HostedZoneId: zone,
          StartRecordName: start.name,
          StartRecordType: start.type as RRType | undefined,
          StartRecordIdentifier: start.identifier,
          MaxItems: options.pageSize,
        }),
      );
    } catch (e) {
      throw route53Error(e, zone);
    }
    for (const set of out.ResourceRecordSets ?? []) {
      if (!matches(set.Name, set.Type, target, options.type)) return found;
      found.push(toLiveRecordSet(set));
    }
    if (!out.IsTruncated || !out.NextRecordName || !matches(out.NextRecordName, out.NextRecordType, target, options.type)) return found;
    start = { name: out.NextRecordName, type: out.NextRecordType, identifier: out.NextRecordIdentifier };
  }
  throw new Route53Error(
    Route53ErrorKind.OTHER,
    `Route 53 listed more than ${maxPages} page(s) of record sets at ${target} in hosted zone ${zone}; this is not expected, check the zone`,
  );
}

function matches(name: string | undefined, type: string | undefined, target: string, wantedType?: string): boolean {
  return name !== undefined && canonicalRecordName(name) === target && (wantedType === undefined || type === wantedType);
}

/** Converts one SDK record set. */
export function toLiveRecordSet(set: ResourceRecordSet): LiveRecordSet {
  return {
    name: canonicalRecordName(set.Name ?? ''),
    type: set.Type ?? '',
    ttl: set.TTL,
    values: (set.ResourceRecords ?? []).map((r) => r.Value ?? ''),
    setIdentifier: set.SetIdentifier,
    aliasTarget: set.AliasTarget?.DNSName === undefined ? undefined : canonicalRecordName(set.AliasTarget.DNSName),
  };
}

/** Why a Route 53 call failed, as far as it matters to the person reading the message. */
export enum Route53ErrorKind {
  /** The caller lacks `route53:ListResourceRecordSets` on the zone. */
  ACCESS_DENIED = 'access-denied',
  /** No credentials could be found. */
  NO_CREDENTIALS = 'no-credentials',
  /** The credentials are expired or invalid. */
  BAD_CREDENTIALS = 'bad-credentials',
  /** Still throttled after every retry. */
  THROTTLED = 'throttled',
  /** The hosted zone does not exist (in this account). */
  NO_SUCH_ZONE = 'no-such-zone',
  /** Anything else. */
  OTHER = 'other',
}

/** A Route 53 failure with a one-sentence message naming what is missing and the fix. */
export class Route53Error extends Error {
  constructor(
    public readonly kind: Route53ErrorKind,
    message: string,
    /** The SDK error's name (`AccessDenied`, `Throttling`…), when there was one. */
    public readonly code?: string,
  ) {
    super(message);
    this.name = 'Route53Error';
  }
}

const THROTTLING = new Set(['Throttling', 'ThrottlingException', 'PriorRequestNotComplete', 'TooManyRequestsException', 'RequestLimitExceeded']);
const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation']);
const BAD_CREDENTIALS = new Set([
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'InvalidSignatureException',
  'TokenRefreshRequired',
]);

/** Turns whatever a `ListResourceRecordSets` call threw into a `Route53Error`. */
export function route53Error(e: unknown, hostedZoneId: string): Route53Error {
  if (e instanceof Route53Error) return e;
  const err = (e ?? {}) as { name?: string; message?: string; $metadata?: { attempts?: number; httpStatusCode?: number } };
  const zone = bareZoneId(hostedZoneId);
  const arn = hostedZoneArn(zone);
  const name = err.name ?? 'Error';
  const said = (err.message ?? String(e)).replace(/\s+/g, ' ').trim();
  const permission = `route53:ListResourceRecordSets on ${arn}`;
  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(said)) {
    return new Route53Error(
      Route53ErrorKind.NO_CREDENTIALS,
      `no AWS credentials found: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run "aws sso login") for an identity allowed ${permission}`,
      name,
    );
  }
  if (BAD_CREDENTIALS.has(name)) {
    return new Route53Error(Route53ErrorKind.BAD_CREDENTIALS, `the AWS credentials were refused (${name}: ${said}): refresh them (for example "aws sso login") and run again`, name);
  }
  if (ACCESS_DENIED.has(name) || err.$metadata?.httpStatusCode === 403) {
    return new Route53Error(Route53ErrorKind.ACCESS_DENIED, `access denied: missing permission ${permission} (Route 53 said: ${said})`, name);
  }
  if (THROTTLING.has(name)) {
    const attempts = err.$metadata?.attempts ?? ROUTE53_MAX_ATTEMPTS;
    return new Route53Error(
      Route53ErrorKind.THROTTLED,
      `Route 53 still throttled ListResourceRecordSets on hosted zone ${zone} after ${attempts} attempt(s) (${name}): the account's Route 53 API rate is used up by other callers; run again in a minute`,
      name,
    );
  }
  if (name === 'NoSuchHostedZone') {
    return new Route53Error(Route53ErrorKind.NO_SUCH_ZONE, `hosted zone ${zone} does not exist in this account: check the hosted zone id (and the AWS account of the credentials)`, name);
  }
  return new Route53Error(Route53ErrorKind.OTHER, `Route 53 ListResourceRecordSets on hosted zone ${zone} failed: ${name}: ${said}`, name);
}
