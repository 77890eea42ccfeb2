import type Database from 'better-sqlite3';
import type { Document } from 'bson';
import { mongoError } from '../errors.js';
import { bbox, parseGeometry, type Geometry } from '../geo/geometry.js';
import { isPlainObject, type IndexSpec } from './indexKeys.js';

/**
 * A 2dsphere index on SQLite's R-tree: one `ix<N>` rtree table of (rid, bounding box in
 * longitude/latitude) per geometry. Documents without the field are left out (2dsphere v3 is
 * sparse); a value that is not GeoJSON or a legacy pair is refused like mongod refuses it (16755).
 */
export class GeoIndex {
  readonly field: string;
  private readonly insertBox: Database.Statement;
  private readonly deleteBoxes: Database.Statement<[number]>;
  private readonly inBox: Database.Statement<[number, number, number, number], { rid: number }>;
  private readonly everything: Database.Statement<[], { rid: number }>;

  constructor(db: Database.Database, table: string, spec: IndexSpec) {
    const fields = Object.entries(spec.key).filter(([, d]) => d === '2dsphere' || d === '2d');
    this.field = fields[0]![0];
    // One box per document (the union of its geometries), keyed by the document's rid.
    db.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS ${table} USING rtree(id, minLng, maxLng, minLat, maxLat)`);
    this.insertBox = db.prepare(`INSERT INTO ${table} (id, minLng, maxLng, minLat, maxLat) VALUES (?, ?, ?, ?, ?)`);
    this.deleteBoxes = db.prepare(`DELETE FROM ${table} WHERE id = ?`);
    this.inBox = db.prepare(`SELECT id AS rid FROM ${table} WHERE maxLng >= ? AND minLng <= ? AND maxLat >= ? AND minLat <= ?`);
    this.everything = db.prepare(`SELECT id AS rid FROM ${table}`);
  }

  geometries(doc: Document): Geometry[] {
    const out: Geometry[] = [];
    for (const v of geoValues(doc, this.field)) {
      const g = parseGeometry(v);
      if (!g) throw mongoError('CannotExtractGeoKeys', `Can't extract geo keys: ${JSON.stringify(doc._id ?? null)} can't project geometry into spherical CRS: ${JSON.stringify(v)}`);
      out.push(g);
    }
    return out;
  }

  touchedBy(fields: ReadonlySet<string>): boolean {
    return fields.has(this.field.split('.')[0]!);
  }

  add(doc: Document, rid: number): void {
    this.insert(this.geometries(doc), rid);
  }

  private insert(geometries: Geometry[], rid: number): void {
    if (geometries.length === 0) return;
    const boxes = geometries.map(bbox);
    const all = boxes.reduce((a, b) => [Math.min(a[0], b[0]), Math.max(a[1], b[1]), Math.min(a[2], b[2]), Math.max(a[3], b[3])]);
    this.insertBox.run(rid, all[0], all[1], all[2], all[3]);
  }

  remove(rid: number): void {
    this.deleteBoxes.run(rid);
  }

  update(oldDoc: Document, newDoc: Document, rid: number): void {
    const next = this.geometries(newDoc);
    if (JSON.stringify(this.geometries(oldDoc)) === JSON.stringify(next)) return;
    this.remove(rid);
    this.insert(next, rid);
  }

  /** Documents whose geometry's bounding box meets [minLng, maxLng] × [minLat, maxLat]. */
  candidates(box?: [number, number, number, number]): number[] {
    return (box ? this.inBox.all(box[0], box[1], box[2], box[3]) : this.everything.all()).map((r) => r.rid);
  }
}

/** The geometries at a path: the leaf whole (a legacy pair is an array), or each element of an array of them. */
export function geoValues(doc: unknown, path: string): unknown[] {
  const out: unknown[] = [];
  const walk = (v: unknown, parts: string[]): void => {
    if (parts.length === 0) {
      if (v === undefined || v === null) return;
      const pair = Array.isArray(v) && v.length >= 2 && v.every((x) => typeof x === 'number');
      if (Array.isArray(v) && !pair) for (const e of v) out.push(e);
      else out.push(v);
      return;
    }
    if (Array.isArray(v)) for (const e of v) walk(e, parts);
    else if (isPlainObject(v)) walk(v[parts[0]!], parts.slice(1));
  };
  walk(doc, path.split('.'));
  return out;
}
