import { isPlainObject } from '../storage/indexKeys.js';

/**
 * GeoJSON (and legacy coordinate pair) geometry for 2dsphere queries: parsing, great-circle
 * distance on mongod's sphere (radius 6,378,100 m), and containment / intersection tests.
 * Distances are spherical and exact; edges are great-circle arcs as in mongod when two edges
 * are tested for crossing, while point-in-polygon is decided in longitude/latitude, which
 * matches mongod's geodesic rings closely for polygons spanning a few degrees.
 */
export const EARTH_RADIUS_M = 6_378_100;

export type Position = [number, number];
export type Geometry =
  | { type: 'Point'; coordinates: Position }
  | { type: 'MultiPoint' | 'LineString'; coordinates: Position[] }
  | { type: 'Polygon' | 'MultiLineString'; coordinates: Position[][] }
  | { type: 'MultiPolygon'; coordinates: Position[][][] };

function position(v: unknown): Position | undefined {
  if (Array.isArray(v) && v.length >= 2 && typeof v[0] === 'number' && typeof v[1] === 'number') return [v[0], v[1]];
  if (isPlainObject(v)) {
    const nums = Object.values(v).filter((x): x is number => typeof x === 'number');
    if (nums.length >= 2 && !('type' in v)) return [nums[0]!, nums[1]!];
  }
  return undefined;
}

const validLngLat = ([lng, lat]: Position): boolean => Number.isFinite(lng) && Number.isFinite(lat) && Math.abs(lng) <= 180 && Math.abs(lat) <= 90;

/** A GeoJSON geometry or legacy point, validated; undefined when the value is not one. */
export function parseGeometry(v: unknown): Geometry | undefined {
  const legacy = position(v);
  if (legacy) return validLngLat(legacy) ? { type: 'Point', coordinates: legacy } : undefined;
  if (!isPlainObject(v) || typeof v.type !== 'string') return undefined;
  const c = v.coordinates;
  const ring = (r: unknown): Position[] | undefined => (Array.isArray(r) && r.every((p) => position(p)) ? r.map((p) => position(p)!) : undefined);
  const rings = (rs: unknown): Position[][] | undefined => (Array.isArray(rs) && rs.every((r) => ring(r)) ? rs.map((r) => ring(r)!) : undefined);
  let g: Geometry | undefined;
  switch (v.type) {
    case 'Point': {
      const p = position(c);
      g = p ? { type: 'Point', coordinates: p } : undefined;
      break;
    }
    case 'MultiPoint':
    case 'LineString': {
      const r = ring(c);
      g = r && (v.type === 'MultiPoint' || r.length >= 2) ? { type: v.type, coordinates: r } : undefined;
      break;
    }
    case 'Polygon':
    case 'MultiLineString': {
      const rs = rings(c);
      const closed = (r: Position[]) => r.length >= 4 && r[0]![0] === r[r.length - 1]![0] && r[0]![1] === r[r.length - 1]![1];
      g = rs && rs.length > 0 && (v.type === 'MultiLineString' || rs.every(closed)) ? { type: v.type, coordinates: rs } : undefined;
      break;
    }
    case 'MultiPolygon': {
      const ps = Array.isArray(c) && c.every((p) => rings(p)) ? c.map((p) => rings(p)!) : undefined;
      g = ps ? { type: 'MultiPolygon', coordinates: ps } : undefined;
      break;
    }
  }
  return g && positions(g).every(validLngLat) ? g : undefined;
}

export function positions(g: Geometry): Position[] {
  switch (g.type) {
    case 'Point':
      return [g.coordinates];
    case 'MultiPoint':
    case 'LineString':
      return g.coordinates;
    case 'Polygon':
    case 'MultiLineString':
      return g.coordinates.flat();
    case 'MultiPolygon':
      return g.coordinates.flat(2);
  }
}

/** [minLng, maxLng, minLat, maxLat] of a geometry. */
export function bbox(g: Geometry): [number, number, number, number] {
  const ps = positions(g);
  // Folded, not Math.min(...): a polygon may have more points than the call stack takes arguments.
  let box: [number, number, number, number] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const [lng, lat] of ps) box = [Math.min(box[0], lng), Math.max(box[1], lng), Math.min(box[2], lat), Math.max(box[3], lat)];
  return box;
}

const rad = (d: number): number => (d * Math.PI) / 180;

/** Great-circle distance in radians. */
export function angularDistance(a: Position, b: Position): number {
  const dLat = rad(b[1] - a[1]);
  const dLng = rad(b[0] - a[0]);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a[1])) * Math.cos(rad(b[1])) * Math.sin(dLng / 2) ** 2;
  return 2 * Math.asin(Math.min(1, Math.sqrt(h)));
}

function inRing(p: Position, ring: Position[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function inPolygon(p: Position, rings: Position[][]): boolean {
  return inRing(p, rings[0]!) && !rings.slice(1).some((hole) => inRing(p, hole));
}

function polygons(g: Geometry): Position[][][] {
  return g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
}

function segments(g: Geometry): [Position, Position][] {
  const lines = g.type === 'LineString' ? [g.coordinates] : g.type === 'MultiLineString' || g.type === 'Polygon' ? g.coordinates : g.type === 'MultiPolygon' ? g.coordinates.flat() : [];
  return lines.flatMap((l) => l.slice(1).map((p, i): [Position, Position] => [l[i]!, p]));
}

type Vec = [number, number, number];

/** A position as a unit vector, so that edges can be great-circle arcs as mongod's are. */
function unit([lng, lat]: Position): Vec {
  const phi = rad(lat);
  const lambda = rad(lng);
  return [Math.cos(phi) * Math.cos(lambda), Math.cos(phi) * Math.sin(lambda), Math.sin(phi)];
}

const crossV = (a: Vec, b: Vec): Vec => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const dotV = (a: Vec, b: Vec): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const normV = (a: Vec): number => Math.hypot(a[0], a[1], a[2]);
const angle = (a: Vec, b: Vec): number => Math.atan2(normV(crossV(a, b)), dotV(a, b));

/** Whether `p` lies on the shorter great-circle arc from `a` to `b` (within about a millimetre). */
function onArc(p: Vec, a: Vec, b: Vec): boolean {
  return Math.abs(angle(a, p) + angle(p, b) - angle(a, b)) < 1e-10;
}

/**
 * Whether two edges meet, each edge being the shorter great-circle arc between its ends (so
 * `[[-178, 10], [178, 10]]` crosses the antimeridian, as in mongod): the arcs' great circles
 * meet at ±(n1 × n2), which must lie on both arcs; arcs on one great circle overlap when an end
 * of one lies on the other.
 */
function segmentsIntersect([p1, p2]: [Position, Position], [p3, p4]: [Position, Position]): boolean {
  const [a, b, c, d] = [unit(p1), unit(p2), unit(p3), unit(p4)];
  const meet = crossV(crossV(a, b), crossV(c, d));
  const len = normV(meet);
  if (len < 1e-12) return onArc(c, a, b) || onArc(d, a, b) || onArc(a, c, d) || onArc(b, c, d);
  const i: Vec = [meet[0] / len, meet[1] / len, meet[2] / len];
  const j: Vec = [-i[0], -i[1], -i[2]];
  return [i, j].some((x) => onArc(x, a, b) && onArc(x, c, d));
}

/** Whether every point of `g` lies inside the polygon(s) of `area`. */
export function within(g: Geometry, area: Geometry): boolean {
  const polys = polygons(area);
  const inside = (p: Position) => polys.some((rings) => inPolygon(p, rings));
  return positions(g).every(inside) && !segments(g).some((s) => segments(area).some((e) => segmentsIntersect(s, e) && !(inside(s[0]) && inside(s[1]))));
}

/** Whether two geometries share at least one point. */
export function intersects(a: Geometry, b: Geometry): boolean {
  const pointsOf = (g: Geometry) => (g.type === 'Point' || g.type === 'MultiPoint' ? positions(g) : []);
  for (const [g, h] of [[a, b], [b, a]] as const) {
    for (const p of pointsOf(g)) {
      if (polygons(h).some((rings) => inPolygon(p, rings))) return true;
      if (pointsOf(h).some((q) => q[0] === p[0] && q[1] === p[1])) return true;
      if (segments(h).some((s) => segmentsIntersect(s, [p, p]))) return true;
    }
    if (polygons(h).length > 0 && positions(g).some((p) => polygons(h).some((rings) => inPolygon(p, rings)))) return true;
  }
  return segments(a).some((s) => segments(b).some((t) => segmentsIntersect(s, t)));
}

/** The point a geometry is measured from for $near (its first position: points are what 2dsphere $near sorts). */
export function anchor(g: Geometry): Position {
  return positions(g)[0]!;
}
