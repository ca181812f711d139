import { request } from 'node:https';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';

/** What a custom resource handler answers CloudFormation. */
export interface CustomResourceResult {
  /** Stable physical id: the same id on update means no replacement. */
  readonly physicalResourceId: string;
  /** Attributes readable with `getAtt`. */
  readonly data?: Record<string, string>;
}

/** Sends the response document to CloudFormation's pre-signed URL. */
export type ResponseSender = (url: string, body: string) => Promise<void>;

/** Sends with node:https, as the CloudFormation documentation specifies (PUT, empty content type). */
export const httpsResponseSender: ResponseSender = (url, body) =>
  new Promise((resolve, reject) => {
    const req = request(url, { method: 'PUT', headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => ((res.statusCode ?? 500) < 300 ? resolve() : reject(new Error(`CloudFormation response URL answered ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });

/**
 * Runs `work` for a CloudFormation custom resource event and reports its outcome to
 * CloudFormation: SUCCESS with the result, or FAILED with the error's message as the reason (so
 * the stack event tells the operator what went wrong, rather than a time-out an hour later).
 */
export async function respondTo(
  event: CloudFormationCustomResourceEvent,
  work: () => Promise<CustomResourceResult>,
  send: ResponseSender = httpsResponseSender,
): Promise<void> {
  const base = { StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId };
  let body: string;
  try {
    const result = await work();
    body = JSON.stringify({ ...base, Status: 'SUCCESS', PhysicalResourceId: result.physicalResourceId, Data: result.data ?? {} });
  } catch (e) {
    const reason = (e as Error).message || String(e);
    console.error(`${event.RequestType} ${event.LogicalResourceId} failed: ${reason}`);
    const physical = 'PhysicalResourceId' in event ? event.PhysicalResourceId : `${event.LogicalResourceId}-failed`;
    // CloudFormation shows at most 4 KiB of the reason.
    body = JSON.stringify({ ...base, Status: 'FAILED', Reason: reason.slice(0, 4000), PhysicalResourceId: physical });
  }
  await send(event.ResponseURL, body);
}
