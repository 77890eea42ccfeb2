import { MongoClient, type Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedMongo, type EmbeddedMongo } from '../src/index.js';

/** 2dsphere indexes on SQLite's R-tree: $near, $nearSphere, $geoWithin, $geoIntersects, $geoNear. */
describe('geo queries', () => {
  let store: EmbeddedMongo;
  let client: MongoClient;
  const places = () => client.db('geo').collection<Document>('places');
  const names = (docs: Document[]) => docs.map((d) => d.name as string);
  const point = (lng: number, lat: number) => ({ type: 'Point', coordinates: [lng, lat] });

  beforeAll(async () => {
    store = await startEmbeddedMongo();
    client = await MongoClient.connect(store.uri);
    await places().createIndex({ loc: '2dsphere' });
    await places().insertMany([
      { name: 'Eiffel Tower', loc: point(2.2945, 48.8584), kind: 'monument' },
      { name: 'Louvre', loc: point(2.3376, 48.8606), kind: 'museum' },
      { name: 'Notre-Dame', loc: point(2.35, 48.853), kind: 'monument' },
      { name: 'Versailles', loc: point(2.1204, 48.8049), kind: 'palace' },
      { name: 'London Eye', loc: point(-0.1196, 51.5033), kind: 'monument' },
      { name: 'no location', kind: 'none' },
    ]);
  });
  afterAll(async () => {
    await client.close();
    await store.close();
  });

  it('orders $near results by distance, within $maxDistance in meters', async () => {
    const near = await places().find({ loc: { $near: { $geometry: point(2.2945, 48.8584), $maxDistance: 5_000 } } }).toArray();
    expect(names(near)).toEqual(['Eiffel Tower', 'Louvre', 'Notre-Dame']);
    const all = await places().find({ loc: { $near: { $geometry: point(2.2945, 48.8584) } }, kind: 'monument' }).toArray();
    expect(names(all)).toEqual(['Eiffel Tower', 'Notre-Dame', 'London Eye']);
    const ring = await places().find({ loc: { $near: { $geometry: point(2.2945, 48.8584), $minDistance: 1_000, $maxDistance: 20_000 } } }).limit(2).toArray();
    expect(names(ring)).toEqual(['Louvre', 'Notre-Dame']);
  });

  it('measures $nearSphere with legacy pairs in radians', async () => {
    const docs = await places().find({ loc: { $nearSphere: [2.35, 48.853], $maxDistance: 20_000 / 6_378_100 } }).toArray();
    expect(names(docs)).toEqual(['Notre-Dame', 'Louvre', 'Eiffel Tower', 'Versailles']);
  });

  it('finds points $geoWithin polygons, spheres and boxes, and $geoIntersects', async () => {
    const paris = { type: 'Polygon', coordinates: [[[2.25, 48.81], [2.42, 48.81], [2.42, 48.91], [2.25, 48.91], [2.25, 48.81]]] };
    expect(names(await places().find({ loc: { $geoWithin: { $geometry: paris } } }).toArray()).sort()).toEqual(['Eiffel Tower', 'Louvre', 'Notre-Dame']);
    expect(names(await places().find({ loc: { $geoWithin: { $centerSphere: [[-0.12, 51.5], 0.001] } } }).toArray())).toEqual(['London Eye']);
    expect(names(await places().find({ loc: { $geoWithin: { $box: [[2, 48.7], [2.2, 48.9]] } } }).toArray())).toEqual(['Versailles']);
    expect(names(await places().find({ loc: { $geoIntersects: { $geometry: paris } } }).toArray()).sort()).toEqual(['Eiffel Tower', 'Louvre', 'Notre-Dame']);
  });

  it('runs $geoNear as the first pipeline stage', async () => {
    const docs = await places()
      .aggregate([{ $geoNear: { near: point(2.35, 48.853), distanceField: 'dist.m', maxDistance: 3_000, query: { kind: { $ne: 'palace' } } } }, { $project: { _id: 0, name: 1, dist: 1 } }])
      .toArray();
    expect(names(docs)).toEqual(['Notre-Dame', 'Louvre']);
    expect((docs[1]!.dist as { m: number }).m).toBeGreaterThan(1_150);
    expect((docs[1]!.dist as { m: number }).m).toBeLessThan(1_350);
  });

  it('keeps the R-tree in step and refuses what is not geometry (16755); $near needs an index (291)', async () => {
    await places().updateOne({ name: 'Versailles' }, { $set: { loc: point(2.2946, 48.8585) } });
    const near = await places().find({ loc: { $near: { $geometry: point(2.2945, 48.8584), $maxDistance: 100 } } }).toArray();
    expect(names(near)).toEqual(['Eiffel Tower', 'Versailles']);
    await expect(places().insertOne({ name: 'bad', loc: { type: 'Point', coordinates: [500, 500] } })).rejects.toMatchObject({ code: 16755 });
    await expect(client.db('geo').collection('plain').find({ loc: { $near: { $geometry: point(0, 0) } } }).toArray()).rejects.toMatchObject({ code: 291 });
  });

  it('draws edges as great-circle arcs: a line crossing the antimeridian meets one at longitude 180', async () => {
    const lines = client.db('geo').collection<Document>('lines');
    await lines.createIndex({ line: '2dsphere' });
    await lines.insertOne({ name: 'dateline', line: { type: 'LineString', coordinates: [[-178, 10], [178, 10]] } });
    const meridian180 = { type: 'LineString', coordinates: [[180, 11], [180, 9]] };
    expect(names(await lines.find({ line: { $geoIntersects: { $geometry: meridian180 } } }).toArray())).toEqual(['dateline']);
    const meridian0 = { type: 'LineString', coordinates: [[0, 11], [0, 9]] };
    expect(await lines.find({ line: { $geoIntersects: { $geometry: meridian0 } } }).toArray()).toEqual([]);
  });

  it('tests every geometry of an array field, without an index', async () => {
    const shapes = client.db('geo').collection<Document>('shapes');
    await shapes.insertOne({
      name: 'two',
      geom: [
        { type: 'Polygon', coordinates: [[[28.7, 41], [29.2, 40.9], [29.1, 41.3], [28.7, 41]]] },
        { type: 'Polygon', coordinates: [[[-1, -1], [1, -1], [1, 1], [-1, 1], [-1, -1]]] },
      ],
    });
    const turkey = { type: 'Polygon', coordinates: [[[26, 36], [45, 36], [45, 42], [26, 42], [26, 36]]] };
    expect(names(await shapes.find({ geom: { $geoIntersects: { $geometry: turkey } } }).toArray())).toEqual(['two']);
    const atlantic = { type: 'Polygon', coordinates: [[[-40, 10], [-30, 10], [-30, 20], [-40, 10]]] };
    expect(await shapes.find({ geom: { $geoIntersects: { $geometry: atlantic } } }).toArray()).toEqual([]);
  });

  it('accepts $within, the pre-2.4 spelling of $geoWithin, for GeoJSON and legacy shapes', async () => {
    const pairs = client.db('geo').collection<Document>('pairs');
    await pairs.createIndex({ loc: '2dsphere' });
    await pairs.insertMany([{ name: 'origin', loc: [0, 0] }, { name: 'far', loc: [35, 50] }]);
    const square = { type: 'Polygon', coordinates: [[[-5, -5], [-5, 5], [5, 5], [5, -5], [-5, -5]]] };
    expect(names(await pairs.find({ loc: { $within: { $geometry: square } } }).toArray())).toEqual(['origin']);
    expect(names(await pairs.find({ loc: { $within: { $box: [[30, 40], [40, 60]] } } }).toArray())).toEqual(['far']);
  });
});
