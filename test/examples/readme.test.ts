// The README's Pipelines section shows the examples as they are: each code block is a verbatim
// excerpt of its file; and the GitHub Actions workflow gates the enforce deploy in order.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');
const readme = read('README.md');
const section = readme.slice(readme.indexOf('## Pipelines\n'), readme.indexOf('\n## ', readme.indexOf('## Pipelines\n') + 1));
const workflow = read('examples/github-actions/mta-sts.yml');

/** The fenced blocks of `lang` in `text`, with the list-item indentation removed. */
function blocks(text: string, lang: string): string[] {
  const re = new RegExp('^( *)```' + lang + '\\n([\\s\\S]*?)\\n\\1```$', 'gm');
  return [...text.matchAll(re)].map((m) => m[2].split('\n').map((l) => l.slice(m[1].length)).join('\n'));
}

/** The jobs of the workflow: name -> its lines (a job is a two-space-indented key under `jobs:`). */
function jobs(yml: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of yml.slice(yml.indexOf('\njobs:\n')).split('\n').slice(2)) {
    const job = /^ {2}([A-Za-z0-9_-]+):$/.exec(line);
    if (job) out.set(job[1], (current = []));
    else current?.push(line);
  }
  return out;
}

describe('README Pipelines section', () => {
  test('points to both examples', () => {
    expect(section).toContain('(examples/pipeline/)');
    expect(section).toContain('(examples/github-actions/mta-sts.yml)');
  });

  test('its TypeScript blocks are excerpts of the pipeline example', () => {
    const ts = blocks(section, 'ts');
    expect(ts).toHaveLength(2);
    for (const b of ts) expect(read('examples/pipeline/lib/mta-sts-pipeline-stack.ts')).toContain(b);
  });

  test('its YAML block is the gate job of the workflow', () => {
    const yml = blocks(section, 'yaml');
    expect(yml).toHaveLength(1);
    expect(yml[0].startsWith('  gate:\n')).toBe(true);
    expect(workflow).toContain(yml[0]);
  });
});

describe('GitHub Actions example', () => {
  const j = jobs(workflow);
  const runs = (job: string) => j.get(job)!.map((l) => /^\s+(?:- )?run: (.*)$/.exec(l)?.[1]).filter((r): r is string => r !== undefined);

  test('testing deploys, then the gate, then enforce deploys', () => {
    expect([...j.keys()]).toEqual(['testing', 'gate', 'enforce']);
    expect(j.get('gate')).toContain('    needs: testing');
    expect(j.get('enforce')).toContain('    needs: gate');
    expect(runs('testing')).toContain('npx cdk deploy --all -c stage=testing --require-approval never');
    expect(runs('enforce')).toContain('npx cdk deploy --all -c stage=enforce --require-approval never');
  });

  test('the gate runs readiness, then plan --strict, and deploys nothing', () => {
    expect(runs('gate')).toEqual([
      'npm ci',
      'npx mta-sts readiness --stage enforce --domain example.com --bucket ${{ vars.REPORT_BUCKET }}',
      'npx mta-sts plan --stage enforce --strict',
    ]);
  });
});
