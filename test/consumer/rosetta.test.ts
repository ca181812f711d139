// The examples compile: every `@example` of the jsii API and every TypeScript block of the README
// goes through jsii-rosetta (type-checked against the built assembly, with rosetta/default.ts-fixture
// around the short ones). A canary block that cannot compile is added to the copy's README, so
// the test also shows that a broken example is caught. Slow (a jsii build, then rosetta, about
// 60 to 100 s): it runs with MTA_STS_ROSETTA=1, as `npm run rosetta` (and .ci/run) sets it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildJsii, copyPackage, Run, runTool } from './jsii-copy';

const CANARY = '```ts\nnew MtaSts(this, \'Canary\', { domainName: 42, hostedZone, mx: [\'mx1.example.com\'] });\n```\n';

/**
 * The README's Pipelines blocks are verbatim excerpts of examples/pipeline (type-checked by tsc
 * there, compared by test/examples/readme.test.ts): class-body fragments with arrow functions
 * and spreads, which rosetta cannot translate to the other languages. They are not construct
 * examples, so the copy fences them as text.
 */
function withoutPipelineExcerpts(readme: string): string {
  const start = readme.indexOf('## Pipelines\n');
  if (start < 0) return readme;
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end).replace(/^( *)```ts\n/gm, '$1```text\n');
  return readme.slice(0, start) + section + (end < 0 ? '' : readme.slice(end));
}

/** The README line (1-based) of the canary's opening fence, as rosetta names it. */
function canaryLine(readme: string): number {
  return readme.slice(0, readme.lastIndexOf(CANARY)).split('\n').length;
}

interface TabletSnippet {
  readonly location: { api: { api: string; fqn?: string }; field: { field: string; line?: number } };
  readonly didCompile?: boolean;
}

/** `README-L<line>` or the type's fqn, as in rosetta's snippet file names. */
function snippetName(s: TabletSnippet): string {
  return s.location.api.api === 'moduleReadme' ? `README-L${s.location.field.line}` : `${s.location.api.fqn}-${s.location.field.field}`;
}

/** How many `@example` tags the assembly holds (types, members, initializers, parameters). */
function countExamples(node: unknown): number {
  if (node === null || typeof node !== 'object') return 0;
  const own = 'example' in node && typeof (node as { example: unknown }).example === 'string' ? 1 : 0;
  return own + Object.values(node).reduce((n: number, v) => n + countExamples(v), 0);
}

const RUN = process.env.MTA_STS_ROSETTA === '1';
if (!RUN) {
  // eslint-disable-next-line no-console
  console.warn('SKIPPED: the jsii-rosetta check of the examples is slow (a jsii build, then rosetta); run it with `npm run rosetta` (.ci/run does)');
}
const describeRosetta = RUN ? describe : describe.skip;

describeRosetta('jsii-rosetta', () => {
  let dir: string;
  let readme: string;
  let rosetta: Run;
  beforeAll(() => {
    dir = copyPackage('mta-sts-rosetta-', ['rosetta'], (t) => `${withoutPipelineExcerpts(t)}\n${CANARY}`);
    readme = readFileSync(join(dir, 'README.md'), 'utf8');
    const jsii = buildJsii(dir);
    if (jsii.status !== 0) throw new Error(`jsii failed:\n${jsii.output}`);
    // -b: one TypeScript program for all snippets (about twice as fast as one per snippet).
    rosetta = runTool(dir, 'jsii-rosetta/bin/jsii-rosetta', ['extract', '--compile', '-b', '1000', '.jsii']);
  }, 300_000);

  test('every @example and README TypeScript block compiles; only the canary fails', () => {
    expect(rosetta.status).toBe(0);
    const failing = [...rosetta.output.matchAll(/^cdk-mta-sts-(\S+)\.ts:\d+:\d+ - error TS\d+/gm)].map((m) => m[1]);
    const canary = `README-L${canaryLine(readme)}`;
    expect({ failing: [...new Set(failing)], output: rosetta.output }).toEqual({ failing: [canary], output: rosetta.output });
    expect(rosetta.output).not.toMatch(/more diagnostics not shown/);

    const tablet = JSON.parse(readFileSync(join(dir, '.jsii.tabl.json'), 'utf8')) as { snippets: Record<string, TabletSnippet> };
    const snippets = Object.values(tablet.snippets);
    const notCompiled = snippets.filter((s) => !s.didCompile).map(snippetName);
    expect(notCompiled).toEqual([canary]);

    // Every example of the API and every ts block of the README was checked.
    const assembly = JSON.parse(readFileSync(join(dir, '.jsii'), 'utf8'));
    const checked = snippets.map(snippetName);
    expect(checked.filter((n) => !n.startsWith('README-'))).toHaveLength(countExamples(assembly.types));
    expect(checked.filter((n) => n.startsWith('README-'))).toHaveLength([...readme.matchAll(/^ *```(ts|typescript)\b/gm)].length);
    expect(checked).toEqual(expect.arrayContaining(['cdk-mta-sts.MtaSts-example', 'cdk-mta-sts.TlsRptCollector-example', 'cdk-mta-sts.MtaStsStages-example']));
  });

  test('the README example translates to the Python of the README', () => {
    const tablet = JSON.parse(readFileSync(join(dir, '.jsii.tabl.json'), 'utf8')) as { snippets: Record<string, TabletSnippet & { translations: Record<string, { source: string }> }> };
    const minimal = Object.values(tablet.snippets).find((s) => s.translations.$.source.includes("new Stack(app, 'MailPolicy'"));
    const python = minimal!.translations.python.source;
    expect(python).toContain('MtaSts(stack, "ExampleCom",');
    expect(python).toContain('tls_rpt_destinations=[TlsRptDestination.mailto("tlsrpt@example.com")]');
  });
});
