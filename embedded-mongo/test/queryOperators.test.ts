import { DBRef, MongoClient, ObjectId, type Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedMongo, type EmbeddedMongo } from '../src/index.js';

/** Query operators whose MongoDB semantics differ from mingo's. */
describe('query operators', () => {
  let store: EmbeddedMongo;
  let client: MongoClient;
  const posts = () => client.db('ops').collection<Document>('posts');
  const titles = async (filter: Document) => (await posts().find(filter).sort({ title: 1 }).toArray()).map((d) => d.title as string);

  beforeAll(async () => {
    store = await startEmbeddedMongo();
    client = await MongoClient.connect(store.uri);
    await posts().insertMany([
      { title: 'Aristocats', tags: ['onex', 'twox', 'threex'], meta: { visitors: 4 }, comments: [{ by: 'ann', n: 1 }, { by: 'bob', n: 2 }] },
      { title: 'Bambi', tags: 'onex', meta: { visitors: [4, 5] }, comments: [{ by: 'ann', n: 3 }] },
      { title: 'Cinderella', tags: [['onex', 'threex']], meta: {} },
    ]);
  });
  afterAll(async () => {
    await client.close();
    await store.close();
  });

  it('$all matches a scalar field equal to its value, as {$and: [{f: v}, …]} does', async () => {
    expect(await titles({ title: { $all: ['Aristocats'] } })).toEqual(['Aristocats']);
    expect(await titles({ title: { $all: [/^Ari/] } })).toEqual(['Aristocats']);
    expect(await titles({ 'meta.visitors': { $all: [4] } })).toEqual(['Aristocats', 'Bambi']);
    expect(await titles({ tags: { $all: ['onex'] } })).toEqual(['Aristocats', 'Bambi']);
    expect(await titles({ tags: { $all: ['onex', 'twox'] } })).toEqual(['Aristocats']);
    expect(await titles({ tags: { $all: [['onex', 'threex']] } })).toEqual(['Cinderella']);
    expect(await titles({ tags: { $all: [/^two/i] } })).toEqual(['Aristocats']);
    expect(await titles({ tags: { $all: [] } })).toEqual([]);
  });

  it('$all of $elemMatch needs every condition met by some element', async () => {
    const all = { $all: [{ $elemMatch: { by: 'ann' } }, { $elemMatch: { n: { $gt: 1 } } }] };
    expect(await titles({ comments: all })).toEqual(['Aristocats', 'Bambi']);
    expect(await titles({ comments: { $all: [{ $elemMatch: { by: 'bob' } }, { $elemMatch: { n: 3 } }] } })).toEqual([]);
  });

  it('$all without an array is BadValue (2)', async () => {
    await expect(posts().find({ tags: { $all: 'onex' } }).toArray()).rejects.toMatchObject({ code: 2 });
  });

  it('$elemMatch reads $id/$ref/$db as the fields of a DBRef, not as operators', async () => {
    const chats = client.db('ops').collection<Document>('chats');
    const [a, b] = [new ObjectId(), new ObjectId()];
    await chats.insertMany([{ name: 'one', members: [new DBRef('users', a, 'app'), { nick: 'x' }] }, { name: 'two', members: [new DBRef('users', b)] }]);
    const named = async (filter: Document) => (await chats.find(filter).sort({ name: 1 }).toArray()).map((d) => d.name as string);
    expect(await named({ members: { $elemMatch: { $id: a } } })).toEqual(['one']);
    expect(await named({ members: { $elemMatch: { $ref: 'users', $id: { $in: [a, b] } } } })).toEqual(['one', 'two']);
    expect(await named({ members: { $elemMatch: { $id: b, $db: 'app' } } })).toEqual([]);
  });
});
