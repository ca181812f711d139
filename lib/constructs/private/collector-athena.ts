import { Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { STORE_PREFIXES } from '../../reports/store-layout';

/** The table of normalised reports. */
export const REPORTS_TABLE_NAME = 'reports';

/** The first day partition projection enumerates (RFC 8460 was published in 2018). */
const FIRST_DAY = '2018-01-01';

const FAILURE_DETAIL =
  'struct<resulttype:string,resulttyperaw:string,failedsessions:bigint,sendingmtaip:string,receivingmxhostname:string,' +
  'receivingmxhelo:string,receivingip:string,failurereasoncode:string,additionalinformation:string>';
const POLICY =
  'struct<policytype:string,policytyperaw:string,policydomain:string,policydomainraw:string,policystrings:array<string>,' +
  'stspolicy:struct<mode:string,mx:array<string>,maxageseconds:bigint>,mxhosts:array<string>,' +
  `successfulsessions:bigint,failedsessions:bigint,failuredetails:array<${FAILURE_DETAIL}>>`;
const SOURCE =
  'struct<format:string,payloadformat:string,inflatedbytes:bigint,filename:string,receivedat:string,' +
  'email:struct<subject:string,reportdomain:string,reportsubmitter:string,messageid:string,contenttype:string,reportpartcontenttype:string,reportpartfilename:string>>';

/**
 * The columns of `TlsRptReport` (lower case: the OpenX JSON SerDe matches keys
 * case-insensitively). `day` is the partition key, not a column. `source.email.from` and
 * `source.email.date` are left out (`from` and `date` are reserved words in Athena's DDL).
 */
const COLUMNS: glue.CfnTable.ColumnProperty[] = [
  { name: 'schemaversion', type: 'int' },
  { name: 'idempotencykey', type: 'string', comment: 'equal for every copy of the same report' },
  { name: 'reportid', type: 'string' },
  { name: 'organization', type: 'string', comment: 'the reporter (organization-name)' },
  { name: 'contactinfo', type: 'string' },
  { name: 'startdatetime', type: 'string' },
  { name: 'enddatetime', type: 'string' },
  { name: 'policies', type: `array<${POLICY}>` },
  { name: 'deviations', type: 'array<struct<code:string,severity:string,field:string,message:string>>' },
  { name: 'source', type: SOURCE },
];

/** What was created. */
export interface AthenaTable {
  readonly database: glue.CfnDatabase;
  readonly table: glue.CfnTable;
}

/**
 * A Glue database (`GlueDatabase`) and an external table (`ReportsTable`) over
 * `s3://<bucket>/reports/`, JSON SerDe, partitioned by `day` with partition projection (no
 * crawler, no `MSCK REPAIR`: every day from 2018-01-01 to today is a partition).
 */
export function addAthenaTable(scope: Construct, bucket: s3.IBucket, databaseName: string): AthenaTable {
  const account = Stack.of(scope).account;
  const database = new glue.CfnDatabase(scope, 'GlueDatabase', {
    catalogId: account,
    databaseInput: { name: databaseName, description: 'cdk-mta-sts: TLS-RPT reports (RFC 8460), normalised' },
  });
  const location = `s3://${bucket.bucketName}/${STORE_PREFIXES.reports}`;
  const table = new glue.CfnTable(scope, 'ReportsTable', {
    catalogId: account,
    databaseName,
    tableInput: {
      name: REPORTS_TABLE_NAME,
      description: 'TLS-RPT reports as normalised by cdk-mta-sts (one JSON object a line), by report day',
      tableType: 'EXTERNAL_TABLE',
      parameters: {
        EXTERNAL: 'TRUE',
        classification: 'json',
        'projection.enabled': 'true',
        'projection.day.type': 'date',
        'projection.day.format': 'yyyy-MM-dd',
        'projection.day.range': `${FIRST_DAY},NOW`,
        'projection.day.interval': '1',
        'projection.day.interval.unit': 'DAYS',
        'storage.location.template': `${location}day=\${day}/`,
      },
      partitionKeys: [{ name: 'day', type: 'string', comment: 'the UTC day the report covers (YYYY-MM-DD)' }],
      storageDescriptor: {
        location,
        columns: COLUMNS,
        inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
        outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
        serdeInfo: { serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe', parameters: { 'case.insensitive': 'TRUE' } },
      },
    },
  });
  table.node.addDependency(database);
  return { database, table };
}
