// Tests of @recsys/client against a running server (run with `node --test test/`).
//
//   RECSYS_TARGET         where the SDK connects; in NodeSdkTest a proxy that severs every
//                         connection now and then (default localhost:50051)
//   RECSYS_DIRECT_TARGET  the server itself, for set-up calls (default RECSYS_TARGET)
//   RECSYS_RESULT_FILE    where the feedback test writes how many distinct events were acknowledged
//
// The SDK is loaded from dist: run `npm run build` first.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { RecsysClient, status } = require('../dist/index.js');

const target = process.env.RECSYS_TARGET ?? 'localhost:50051';
const directTarget = process.env.RECSYS_DIRECT_TARGET ?? target;

const client = new RecsysClient(target, { deadlineMs: 15_000 });
const direct = new RecsysClient(directTarget, { deadlineMs: 15_000 });
after(() => {
  client.close();
  direct.close();
});

test('recommend returns k items and an event id', async () => {
  const response = await client.recommend('node-sdk-user', 10);
  assert.equal(response.items.length, 10);
  assert.ok(response.eventId.length > 0, 'event id');
  assert.ok(response.modelVersion.length > 0, 'model version');
  assert.deepEqual(
    response.items.map((item) => item.position),
    [...Array(10).keys()],
  );
  const excluded = response.items[0].itemId;
  const again = await client.recommend('node-sdk-user', 10, { exclude: [excluded] });
  assert.ok(!again.items.some((item) => item.itemId === excluded), 'excluded item left out');
});

test('k = 0 is INVALID_ARGUMENT', async () => {
  await assert.rejects(client.recommend('node-sdk-user', 0), (err) => {
    assert.equal(err.code, status.INVALID_ARGUMENT);
    assert.equal(err.code, 3);
    return true;
  });
});

test('an unknown item is NOT_FOUND', async () => {
  await assert.rejects(client.getItem('no-such-item-anywhere'), (err) => {
    assert.equal(err.code, status.NOT_FOUND);
    return true;
  });
});

test('an upserted item can be read back', async () => {
  // A vector catalog: the new item brings a vector of the catalog's dimension.
  const some = (await client.recommend('node-sdk-upserter', 1)).items[0].itemId;
  const existing = await client.getItem(some);
  const embedding = existing.embedding.map((_, i) => (i % 2 === 0 ? 0.25 : -0.25));
  const item = {
    itemId: 'node-sdk-item',
    title: '  Node SDK item  ',
    text: 'upserted by the node SDK test',
    attributes: { source: 'node' },
    embedding,
  };
  const response = await client.upsertItems([item]);
  assert.equal(response.createdCount + response.updatedCount, 1);
  assert.ok(Number(response.catalogVersion) > 0);
  const read = await client.getItem('node-sdk-item');
  assert.equal(read.itemId, 'node-sdk-item');
  assert.equal(read.title, 'Node SDK item');
  assert.equal(read.attributes.source, 'node');
  assert.equal(read.embedding.length, embedding.length);
});

test('status reports the live model and the catalog', async () => {
  const s = await client.status();
  assert.ok(s.modelVersion.length > 0);
  assert.ok(Number(s.catalogSize) > 0);
  const versions = await client.listModelVersions();
  assert.ok(versions.some((v) => v.version === s.modelVersion));
});

test('3,000 clicks through a connection cutter are each acknowledged exactly once', async () => {
  const users = 300;
  const perList = 10;
  const events = [];
  for (let u = 0; u < users; u += 20) {
    const lists = await Promise.all(
      Array.from({ length: Math.min(20, users - u) }, (_, i) => direct.recommend(`node-stream-${u + i}`, perList)),
    );
    lists.forEach((list, i) => {
      assert.equal(list.items.length, perList);
      for (const item of list.items) {
        events.push({ eventId: list.eventId, userId: `node-stream-${u + i}`, itemId: item.itemId, type: 'FEEDBACK_TYPE_CLICK' });
      }
    });
  }
  assert.equal(events.length, users * perList);

  const stream = client.feedbackStream({ window: 200, initialBackoffMs: 50, maxBackoffMs: 1_000 });
  let reconnects = 0;
  stream.on('reconnect', () => reconnects++);
  const acks = await Promise.all(events.map((event) => stream.send(event)));
  await stream.close();

  const key = (e) => `${e.eventId}|${e.itemId}|${e.type}`;
  const counts = new Map();
  acks.forEach((ack, i) => {
    assert.ok(
      ack.status === 'FEEDBACK_STATUS_ACCEPTED' || ack.status === 'FEEDBACK_STATUS_DUPLICATE',
      `event ${i}: ${ack.status} ${ack.reason}`,
    );
    assert.equal(key(ack), key(events[i]), `ack ${i} answers event ${i}`);
    counts.set(key(ack), (counts.get(key(ack)) ?? 0) + 1);
  });
  assert.equal(counts.size, events.length, 'every event acknowledged');
  assert.ok([...counts.values()].every((n) => n === 1), 'no event acknowledged twice');
  console.log(`feedback: ${counts.size} distinct events, ${reconnects} reconnects, ` +
    `${acks.filter((a) => a.status === 'FEEDBACK_STATUS_DUPLICATE').length} duplicates`);
  if (process.env.RECSYS_RESULT_FILE) {
    writeFileSync(process.env.RECSYS_RESULT_FILE, `${counts.size}\n`);
  }
});
