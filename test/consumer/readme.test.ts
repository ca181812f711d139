// The README is true as written: its cdk.json block is the repository's, and its deploy
// commands deploy a whole stage (a stage has several stacks: `cdk deploy` needs `--all`).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

describe('README', () => {
  test('the stage config block is the repository cdk.json', () => {
    const section = readme.slice(readme.indexOf('## Stage config (`cdk.json`)'));
    const block = /```json\n([\s\S]*?)\n```/.exec(section)![1];
    expect(JSON.parse(block)).toEqual(JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')));
  });

  test('every cdk deploy command names the stacks it deploys: all of the stage (--all), or one by its id', () => {
    // Commands, not prose: in a shell or YAML line (`npx cdk deploy ...`).
    const deploys = readme.match(/npx cdk deploy[^\n`]*/g) ?? [];
    expect(deploys.length).toBeGreaterThan(0);
    // A stage has several stacks: a deploy names them all (--all) or one by its id.
    for (const d of deploys) expect(d).toMatch(/^npx cdk deploy (--all|MtaSts[A-Za-z0-9]+ )/);
  });

  test('the default stage of the example config starts in testing', () => {
    const cfg = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')).context.mtaSts;
    expect(cfg.stages[cfg.defaultStage].mode).toBe('testing');
  });
});
