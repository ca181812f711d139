/**
 * The MTA-STS policy mode (RFC 8461 section 5).
 *
 * @see https://www.rfc-editor.org/rfc/rfc8461#section-5
 */
export enum MtaStsMode {
  /** Senders must not deliver to an MX host that fails validation. */
  ENFORCE = 'enforce',
  /** Senders deliver anyway and report failures through TLS-RPT. Start here. */
  TESTING = 'testing',
  /** Senders behave as if there were no policy: the first step of removing MTA-STS. */
  NONE = 'none',
}

/** Every mode, in the order the RFC lists them. */
export const MTA_STS_MODES: readonly MtaStsMode[] = [MtaStsMode.ENFORCE, MtaStsMode.TESTING, MtaStsMode.NONE];

/** The mode named exactly `value` (the RFC's values are case-sensitive), or undefined. */
export function modeFromString(value: string): MtaStsMode | undefined {
  return MTA_STS_MODES.find((m) => m === value);
}
