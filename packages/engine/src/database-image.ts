/**
 * A database back to the image it was encoded from: `encodeDatabase(databaseImage(db))` gives
 * the same content bytes. Patches are applied to images (records by id), then re-encoded.
 */
import { decodeScript } from "./clean-bytecode.js";
import type { Database } from "./from-binary.js";
import * as L from "./tgvxdb-layout.js";
import type { DatabaseImage, RecordImage, WindowImage } from "./to-binary.js";

/** The image of one record row (made on demand; the scan path never needs it). */
export function recordImage(db: Database, row: number): RecordImage {
  const v = db.view;
  const o = db.rowOffset(row);
  const so = db.shapeOffset(row);
  const rec: RecordImage = {
    id: v.getUint32(o + L.R_ID, true),
    rev: v.getUint16(o + L.R_REV, true),
    type: v.getUint8(so + L.SH_TYPE) as RecordImage["type"],
    status: v.getUint8(so + L.SH_STATUS),
    name: db.recordName(row),
    category: v.getUint8(so + L.SH_CATEGORY),
    attributes: v.getUint32(so + L.SH_ATTRIBUTES, true),
  };
  const anchor = v.getUint8(so + L.SH_ANCHOR);
  if (anchor !== L.NO_DETECT) {
    const win = (index: number, crc: number): WindowImage => {
      const { offset, length } = db.window(index);
      return { offset, length, crc };
    };
    rec.detect = {
      anchor,
      at: v.getInt32(so + L.SH_AT, true),
      first: v.getUint16(o + L.R_FIRST, true),
      filetypes: v.getUint32(so + L.SH_FILETYPES, true),
      windows: [win(v.getUint32(o + L.R_WIN1, true), v.getUint32(o + L.R_CRC1, true)), win(v.getUint32(o + L.R_WIN2, true), v.getUint32(o + L.R_CRC2, true))],
    };
  }
  const module = db.recordModule(row);
  const args = db.recordArgs(row);
  if (module !== undefined) rec.module = module;
  if (args !== undefined) rec.args = args;
  const start = db.scriptStart(row);
  if (start >= 0) {
    // Checked on open; the end is where the script's last operand ends.
    const { end } = decodeScript(db.bytes, start, db.scrp + db.scrpLen);
    rec.clean = db.bytes.slice(start, end);
  }
  return rec;
}

/** The image a database was encoded from: header fields, every record (in id order), the stencils. */
export function databaseImage(db: Database): DatabaseImage {
  const records: RecordImage[] = new Array(db.recordCount);
  for (let r = 0; r < db.recordCount; r++) records[r] = recordImage(db, r);
  records.sort((a, b) => a.id - b.id);
  const img: DatabaseImage = { dbVersion: db.info.dbVersion, records };
  if (db.info.buildTime) img.buildTime = db.info.buildTime;
  const stencils = db.stencils();
  if (stencils.length) img.stencils = stencils;
  return img;
}
