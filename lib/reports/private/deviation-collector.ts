import { Finding, Severity } from '../../policy/findings';
import { DeviationCode } from '../deviations';

/** Builds the field and message of a deviation; called only for the first occurrence of a code. */
export type Describe = () => readonly [field: string, message: string];

/**
 * Collects deviations, one finding per code: the first occurrence's field and message are kept
 * and the count of further occurrences is appended when the collector is finished. Keeps a
 * report with 100 000 quirky failure details from carrying 100 000 findings, and builds a
 * message only once per code.
 */
export class DeviationCollector {
  // Created on the first deviation: most reports have none.
  private first: Map<string, { finding: Finding; count: number }> | undefined;

  /** Records a warning. */
  public warn(code: DeviationCode, describe: Describe): void {
    this.note(code, Severity.WARNING, describe);
  }

  /** Records an info. */
  public info(code: DeviationCode, describe: Describe): void {
    this.note(code, Severity.INFO, describe);
  }

  /** Records one occurrence of `code`. */
  public note(code: DeviationCode, severity: Severity, describe: Describe): void {
    const first = (this.first ??= new Map());
    const seen = first.get(code);
    if (seen) {
      seen.count++;
      return;
    }
    const [field, message] = describe();
    first.set(code, { finding: { code, severity, field, message }, count: 1 });
  }

  /** Adds findings recorded elsewhere (for example by the extractor). */
  public addAll(findings: readonly Finding[]): void {
    if (findings.length === 0) return;
    const first = (this.first ??= new Map());
    for (const f of findings) {
      if (!first.has(f.code)) first.set(f.code, { finding: f, count: 1 });
    }
  }

  /** The findings, in the order their codes first occurred. */
  public findings(): Finding[] {
    if (this.first === undefined) return [];
    return [...this.first.values()].map(({ finding, count }) =>
      count > 1 ? { ...finding, message: `${finding.message} (${count} times in this report)` } : finding,
    );
  }
}
