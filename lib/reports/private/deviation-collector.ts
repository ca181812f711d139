import { Finding, Severity } from '../../policy/findings';
import { DeviationCode } from '../deviations';

/**
 * Collects deviations, one finding per code: the first occurrence's field and message are kept
 * and the count of further occurrences is appended when the collector is finished. Keeps a
 * report with 100 000 quirky failure details from carrying 100 000 findings.
 */
export class DeviationCollector {
  private readonly first = new Map<string, { finding: Finding; count: number }>();

  /** Records one occurrence. */
  public add(code: DeviationCode, severity: Severity, field: string, message: string): void {
    const seen = this.first.get(code);
    if (seen) {
      seen.count++;
      return;
    }
    this.first.set(code, { finding: { code, severity, field, message }, count: 1 });
  }

  /** Records a warning. */
  public warn(code: DeviationCode, field: string, message: string): void {
    this.add(code, Severity.WARNING, field, message);
  }

  /** Records an info. */
  public info(code: DeviationCode, field: string, message: string): void {
    this.add(code, Severity.INFO, field, message);
  }

  /** Adds findings recorded elsewhere (for example by the extractor). */
  public addAll(findings: readonly Finding[]): void {
    for (const f of findings) {
      if (!this.first.has(f.code)) this.first.set(f.code, { finding: f, count: 1 });
    }
  }

  /** The findings, in the order their codes first occurred. */
  public findings(): Finding[] {
    return [...this.first.values()].map(({ finding, count }) =>
      count > 1 ? { ...finding, message: `${finding.message} (${count} times in this report)` } : finding,
    );
  }
}
