import type { Document } from 'bson';
import { mongoError } from '../errors.js';
import { anchor, angularDistance, EARTH_RADIUS_M, intersects, parseGeometry, within, type Geometry, type Position } from '../geo/geometry.js';
import type { CollectionStore, StoredDoc } from '../storage/collection.js';
import { GeoIndex, geoValues } from '../storage/geoIndex.js';
import { isPlainObject } from '../storage/indexKeys.js';

type Predicate = (obj: Record<string, unknown>) => boolean;

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
const deg = (r: number): number => (r * 180) / Math.PI;

function pointOf(v: unknown, what: string): Position {
  const g = parseGeometry(v);
  if (!g || g.type !== 'Point') throw mongoError('BadValue', `${what} must be a point`);
  return g.coordinates;
}

/** The area a `$geoWithin` argument describes, as a test on a geometry. */
function withinTest(spec: unknown): (g: Geometry) => boolean {
  if (!isPlainObject(spec)) throw mongoError('BadValue', '$geoWithin requires an object');
  if (spec.$geometry !== undefined) {
    const area = parseGeometry(spec.$geometry);
    if (!area || (area.type !== 'Polygon' && area.type !== 'MultiPolygon')) throw mongoError('BadValue', '$geoWithin not supported with provided geometry: a Polygon or MultiPolygon is required');
    return (g) => within(g, area);
  }
  if (Array.isArray(spec.$box)) {
    const [[x1, y1], [x2, y2]] = spec.$box as [[number, number], [number, number]];
    return (g) => geoPoints(g).every(([x, y]) => x >= Math.min(x1, x2) && x <= Math.max(x1, x2) && y >= Math.min(y1, y2) && y <= Math.max(y1, y2));
  }
  if (Array.isArray(spec.$polygon)) {
    const ring = (spec.$polygon as Position[]).map((p) => [num(p[0]), num(p[1])] as Position);
    const area: Geometry = { type: 'Polygon', coordinates: [[...ring, ring[0]!]] };
    return (g) => within(g, area);
  }
  const circle = (spec.$center ?? spec.$centerSphere) as [unknown, unknown] | undefined;
  if (Array.isArray(circle)) {
    const center = pointOf(circle[0], 'center');
    const r = num(circle[1]);
    if (spec.$centerSphere !== undefined) return (g) => geoPoints(g).every((p) => angularDistance(p, center) <= r);
    return (g) => geoPoints(g).every((p) => Math.hypot(p[0] - center[0], p[1] - center[1]) <= r);
  }
  throw mongoError('BadValue', `unknown geo specifier: ${Object.keys(spec)[0] ?? ''}`);
}

function geoPoints(g: Geometry): Position[] {
  return g.type === 'Point' ? [g.coordinates] : g.type === 'MultiPoint' || g.type === 'LineString' ? g.coordinates : g.type === 'Polygon' ? g.coordinates[0]! : [anchor(g)];
}

function geometriesAt(obj: Record<string, unknown>, selector: string): Geometry[] {
  return geoValues(obj, selector).map((v) => parseGeometry(v)).filter((g): g is Geometry => g !== undefined);
}

/** `$geoWithin` and `$geoIntersects`, exact predicates usable with or without an index. */
export const geoQueryOperators = {
  $geoWithin: (selector: string, spec: unknown): Predicate => {
    const test = withinTest(spec);
    return (obj) => geometriesAt(obj, selector).some(test);
  },
  $geoIntersects: (selector: string, spec: unknown): Predicate => {
    const shape = isPlainObject(spec) ? parseGeometry(spec.$geometry) : undefined;
    if (!shape) throw mongoError('BadValue', '$geoIntersects requires a $geometry');
    return (obj) => geometriesAt(obj, selector).some((g) => intersects(g, shape));
  },
};

/** A proximity search: from where, how distance is measured, and its bounds. */
export interface NearSpec {
  field: string;
  point: Position;
  /** 'meters' for GeoJSON points, 'radians' for legacy $nearSphere, 'flat' for legacy $near. */
  unit: 'meters' | 'radians' | 'flat';
  min?: number;
  max?: number;
}

/** Parses `{field: {$near|$nearSphere: …, $maxDistance?, $minDistance?}}`. */
export function parseNear(field: string, cond: Document): NearSpec {
  const op = '$near' in cond ? '$near' : '$nearSphere';
  const arg: unknown = cond[op];
  const geojson = isPlainObject(arg) && arg.$geometry !== undefined;
  const bounds: Document = geojson ? (arg) : cond;
  const point = pointOf(geojson ? (arg as Document).$geometry : arg, `${op} argument`);
  const unit = geojson ? 'meters' : op === '$nearSphere' ? 'radians' : 'flat';
  const spec: NearSpec = { field, point, unit };
  if (bounds.$maxDistance !== undefined) spec.max = num(bounds.$maxDistance);
  if (bounds.$minDistance !== undefined) spec.min = num(bounds.$minDistance);
  if ((spec.max ?? 0) < 0 || (spec.min ?? 0) < 0) throw mongoError('BadValue', '$minDistance and $maxDistance must be non-negative');
  return spec;
}

/** Splits a top-level `$near`/`$nearSphere` out of a filter. */
export function splitNear(filter: Document | undefined): { near: NearSpec; rest: Document } | undefined {
  if (!filter) return undefined;
  for (const [field, cond] of Object.entries(filter)) {
    if (isPlainObject(cond) && ('$near' in cond || '$nearSphere' in cond)) {
      const { [field]: _near, ...rest } = filter;
      return { near: parseNear(field, cond), rest };
    }
  }
  return undefined;
}

function distance(spec: NearSpec, p: Position): number {
  if (spec.unit === 'flat') return Math.hypot(p[0] - spec.point[0], p[1] - spec.point[1]);
  const a = angularDistance(spec.point, p);
  return spec.unit === 'meters' ? a * EARTH_RADIUS_M : a;
}

/** The bounding box that holds every point within `max` of the search point. */
function searchBox(spec: NearSpec): [number, number, number, number] | undefined {
  if (spec.max === undefined) return undefined;
  const [lng, lat] = spec.point;
  const dLat = spec.unit === 'flat' ? spec.max : deg(spec.unit === 'meters' ? spec.max / EARTH_RADIUS_M : spec.max);
  if (lat + dLat >= 90 || lat - dLat <= -90) return [-180, 180, Math.max(-90, lat - dLat), Math.min(90, lat + dLat)];
  const dLng = spec.unit === 'flat' ? dLat : dLat / Math.cos((Math.max(Math.abs(lat - dLat), Math.abs(lat + dLat)) * Math.PI) / 180);
  if (dLng >= 180 || lng - dLng < -180 || lng + dLng > 180) return [-180, 180, lat - dLat, lat + dLat];
  return [lng - dLng, lng + dLng, lat - dLat, lat + dLat];
}

/**
 * Documents within the spec's bounds, nearest first, each with its distance: candidates come
 * from the field's 2dsphere R-tree (mongod's error 291 without one), distances are exact.
 */
export function nearCandidates(coll: CollectionStore | undefined, spec: NearSpec): { item: StoredDoc; distance: number }[] {
  const index = coll ? [...coll.indexes.values()].map((ix) => ix.derived).find((d): d is GeoIndex => d instanceof GeoIndex && d.field === spec.field) : undefined;
  if (!index || !coll) throw mongoError('NoQueryExecutionPlans', 'error processing query: planner returned error :: caused by :: unable to find index for $geoNear query');
  const out: { item: StoredDoc; distance: number }[] = [];
  for (const rid of index.candidates(searchBox(spec))) {
    const doc = coll.get(rid);
    if (!doc) continue;
    const ds = index.geometries(doc).map((g) => distance(spec, anchor(g)));
    const d = ds.reduce((a, b) => Math.min(a, b), Infinity);
    if ((spec.max !== undefined && d > spec.max) || (spec.min !== undefined && d < spec.min)) continue;
    out.push({ item: { rid, doc }, distance: d });
  }
  return out.sort((a, b) => a.distance - b.distance);
}

function setPath(doc: Document, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur: Document = doc;
  for (const p of parts.slice(0, -1)) {
    if (!isPlainObject(cur[p])) cur[p] = {};
    cur = cur[p] as Document;
  }
  cur[parts[parts.length - 1]!] = value;
}

/**
 * The `$geoNear` stage (first in a pipeline): the documents nearest to `near`, matching `query`,
 * each with its distance in `distanceField` (times `distanceMultiplier`) and, with
 * `includeLocs`, the location measured.
 */
export function geoNearStage(coll: CollectionStore | undefined, stage: unknown, matches: (doc: Document) => boolean): Document[] {
  if (!isPlainObject(stage)) throw mongoError('BadValue', '$geoNear requires an object');
  if (typeof stage.distanceField !== 'string') throw mongoError('BadValue', '$geoNear requires a distanceField');
  const geoIndexes = coll ? [...coll.indexes.values()].map((ix) => ix.derived).filter((d): d is GeoIndex => d instanceof GeoIndex) : [];
  const field = typeof stage.key === 'string' ? stage.key : geoIndexes.length === 1 ? geoIndexes[0]!.field : undefined;
  if (field === undefined) {
    throw mongoError('NoQueryExecutionPlans', geoIndexes.length === 0 ? '$geoNear requires a 2d or 2dsphere index, but none were found' : 'There is more than one 2dsphere index; unsure which to use for $geoNear');
  }
  const geojson = isPlainObject(stage.near) && 'type' in stage.near;
  const spec: NearSpec = { field, point: pointOf(stage.near, '$geoNear near'), unit: geojson ? 'meters' : stage.spherical === true ? 'radians' : 'flat' };
  if (stage.maxDistance !== undefined) spec.max = num(stage.maxDistance);
  if (stage.minDistance !== undefined) spec.min = num(stage.minDistance);
  const multiplier = stage.distanceMultiplier === undefined ? 1 : num(stage.distanceMultiplier);
  return nearCandidates(coll, spec)
    .filter(({ item }) => matches(item.doc))
    .map(({ item, distance: d }) => {
      const doc = { ...item.doc };
      setPath(doc, stage.distanceField as string, d * multiplier);
      if (typeof stage.includeLocs === 'string') setPath(doc, stage.includeLocs, geoValues(item.doc, field)[0]);
      return doc;
    });
}
