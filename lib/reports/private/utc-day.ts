/** Milliseconds in a day. */
export const DAY_MS = 86_400_000;

const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

// Calendar arithmetic without Date objects (Date construction and toISOString dominate the
// normaliser's profile otherwise). Algorithms from H. Hinnant, "chrono-Compatible Low-Level Date
// Algorithms", for the proleptic Gregorian calendar.

/** Days since 1970-01-01 of a civil date (`month` 1..12). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The civil date of a day count since 1970-01-01: [year, month 1..12, day]. */
export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [era * 400 + yoe + (m <= 2 ? 1 : 0), m, d];
}

/** Days in a month (`month` 1..12). */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function dayText(days: number): string | undefined {
  const [y, m, d] = civilFromDays(days);
  return y >= 0 && y <= 9999 ? `${String(y).padStart(4, '0')}-${pad2(m)}-${pad2(d)}` : undefined;
}

/** The UTC day (`YYYY-MM-DD`) of an instant in milliseconds since the epoch. */
export function dayOf(ms: number): string {
  return dayText(Math.floor(ms / DAY_MS)) ?? new Date(ms).toISOString().slice(0, 10);
}

/** An instant as ISO 8601 UTC with milliseconds, exactly as `Date.prototype.toISOString` writes it. */
export function isoInstant(ms: number): string {
  const days = Math.floor(ms / DAY_MS);
  const day = dayText(days);
  if (day === undefined || !Number.isFinite(ms)) return new Date(ms).toISOString();
  let rest = ms - days * DAY_MS;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const mi = Math.floor(rest / 60_000);
  rest -= mi * 60_000;
  const s = Math.floor(rest / 1000);
  const milli = rest - s * 1000;
  return `${day}T${pad2(h)}:${pad2(mi)}:${pad2(s)}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}

/** Midnight UTC at the start of `day`, in milliseconds; NaN when `day` is not a real date. */
export function dayStartMs(day: string): number {
  const m = DAY_PATTERN.exec(day);
  if (!m) return NaN;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return NaN;
  return daysFromCivil(y, mo, d) * DAY_MS;
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
