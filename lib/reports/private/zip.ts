import * as zlib from 'node:zlib';
import { RejectReason, ReportRejectedError } from '../errors';
import { showValue } from '../untrusted-text';

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_MIN = 22;

/** One file in a zip archive (directories are left out). */
export interface ZipFile {
  readonly name: string;
  readonly content: Buffer;
}

function invalid(why: string): ReportRejectedError {
  return new ReportRejectedError(RejectReason.ZIP_INVALID, 'zip', `the zip archive cannot be read: ${why}; send the report as JSON or gzip`);
}

interface CentralEntry {
  name: string;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

/**
 * Reads the single file of a zip archive from its central directory, inflating it with a cap.
 *
 * Refuses archives with no file (`ZIP_EMPTY`) or several (`ZIP_SEVERAL_FILES`): a report archive
 * holds exactly one JSON file, and picking one of several would be a guess. Directory entries do
 * not count. Stored and deflated files are supported; encryption, ZIP64 and other methods are
 * refused as `ZIP_INVALID`. The CRC is checked.
 */
export function readSingleZipFile(buf: Buffer, maxInflatedBytes: number): ZipFile {
  const entries = readCentralDirectory(buf).filter((e) => !e.name.endsWith('/'));
  if (entries.length === 0) {
    throw new ReportRejectedError(RejectReason.ZIP_EMPTY, 'zip', 'the zip archive holds no file; a report archive must hold exactly one JSON file');
  }
  if (entries.length > 1) {
    const names = entries.slice(0, 5).map((e) => showValue(e.name)).join(', ');
    throw new ReportRejectedError(
      RejectReason.ZIP_SEVERAL_FILES,
      'zip',
      `the zip archive holds ${entries.length} files (${names}${entries.length > 5 ? ', …' : ''}); a report archive must hold exactly one JSON file`,
    );
  }
  const e = entries[0];
  if (e.flags & 0x1) throw invalid(`${showValue(e.name)} is encrypted`);
  if (e.size > maxInflatedBytes) {
    throw new ReportRejectedError(
      RejectReason.INFLATED_TOO_LARGE,
      'zip',
      `the zip entry ${showValue(e.name)} declares ${e.size} bytes, more than the limit of ${maxInflatedBytes} bytes (maxInflatedBytes)`,
    );
  }
  if (e.localOffset + 30 > buf.length || buf.readUInt32LE(e.localOffset) !== LOCAL_SIGNATURE) {
    throw invalid(`the local header of ${showValue(e.name)} is missing`);
  }
  const dataStart = e.localOffset + 30 + buf.readUInt16LE(e.localOffset + 26) + buf.readUInt16LE(e.localOffset + 28);
  const dataEnd = dataStart + e.compressedSize;
  if (dataEnd > buf.length) throw invalid(`the data of ${showValue(e.name)} is truncated`);
  const data = buf.subarray(dataStart, dataEnd);
  let content: Buffer;
  if (e.method === 0) {
    content = data;
  } else if (e.method === 8) {
    try {
      content = zlib.inflateRawSync(data, { maxOutputLength: maxInflatedBytes });
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new ReportRejectedError(
          RejectReason.INFLATED_TOO_LARGE,
          'zip',
          `the zip entry ${showValue(e.name)} inflates to more than the limit of ${maxInflatedBytes} bytes (maxInflatedBytes): refused as a decompression bomb`,
        );
      }
      throw invalid(`the data of ${showValue(e.name)} does not inflate (${(err as Error).message})`);
    }
  } else {
    throw invalid(`${showValue(e.name)} uses compression method ${e.method}; only stored (0) and deflate (8) are supported`);
  }
  if (content.length !== e.size) throw invalid(`${showValue(e.name)} inflates to ${content.length} bytes, its header says ${e.size}`);
  if (zlib.crc32(content) >>> 0 !== e.crc >>> 0) throw invalid(`the CRC of ${showValue(e.name)} does not match its content`);
  return { name: e.name, content };
}

function readCentralDirectory(buf: Buffer): CentralEntry[] {
  if (buf.length < EOCD_MIN) throw invalid(`it has only ${buf.length} bytes`);
  let eocd = -1;
  const lowest = Math.max(0, buf.length - EOCD_MIN - 0xffff);
  for (let i = buf.length - EOCD_MIN; i >= lowest; i--) {
    if (buf.readUInt32LE(i) === EOCD_SIGNATURE) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw invalid('its end-of-central-directory record is missing (truncated?)');
  const total = buf.readUInt16LE(eocd + 10);
  const cdSize = buf.readUInt32LE(eocd + 12);
  const cdOffset = buf.readUInt32LE(eocd + 16);
  if (total === 0xffff || cdOffset === 0xffffffff || cdSize === 0xffffffff) throw invalid('it is a ZIP64 archive');
  if (cdOffset + cdSize > eocd) throw invalid('its central directory lies outside the archive');
  const entries: CentralEntry[] = [];
  let p = cdOffset;
  for (let n = 0; n < total; n++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== CENTRAL_SIGNATURE) throw invalid(`central directory entry ${n} is damaged`);
    const nameLength = buf.readUInt16LE(p + 28);
    const extraLength = buf.readUInt16LE(p + 30);
    const commentLength = buf.readUInt16LE(p + 32);
    entries.push({
      flags: buf.readUInt16LE(p + 8),
      method: buf.readUInt16LE(p + 10),
      crc: buf.readUInt32LE(p + 16),
      compressedSize: buf.readUInt32LE(p + 20),
      size: buf.readUInt32LE(p + 24),
      localOffset: buf.readUInt32LE(p + 42),
      name: buf.toString('utf8', p + 46, p + 46 + nameLength),
    });
    p += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}
