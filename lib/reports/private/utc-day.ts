/** Milliseconds in a day. */
export const DAY_MS = 86_400_000;

const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The UTC day (`YYYY-MM-DD`) of an instant in milliseconds since the epoch. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Midnight UTC at the start of `day`, in milliseconds; NaN when `day` is not a real date. */
export function dayStartMs(day: string): number {
  const m = DAY_PATTERN.exec(day);
  if (!m) return NaN;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return dayOf(ms) === day ? ms : NaN;
}

/** True when `day` is a real calendar day written `YYYY-MM-DD`. */
export function isDay(day: string): boolean {
  return !Number.isNaN(dayStartMs(day));
}

/** `day` moved by `n` days (negative moves back). */
export function addDays(day: string, n: number): string {
  return dayOf(dayStartMs(day) + n * DAY_MS);
}

/** Every day from `first` to `last`, both included, oldest first. */
export function daysBetween(first: string, last: string): string[] {
  const out: string[] = [];
  for (let ms = dayStartMs(first), end = dayStartMs(last); ms <= end; ms += DAY_MS) out.push(dayOf(ms));
  return out;
}
