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
const { RecsysClient, filters, status } = require('../dist/index.js');

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

// Lists, the catalog and users' data. These come after the stream test, which spends the cutter's
// cuts; they send no feedback (the event count stays what NodeSdkTest expects), use their own user
// ids, and delete only an item of the server's own catalog ("item-..."), none another test upserts.

const ids = (response) => response.items.map((item) => item.itemId);

test('explain gives every item a reason', async () => {
  const response = await client.recommend('node-sdk-explained', 10, { explain: true });
  assert.equal(response.items.length, 10);
  for (const item of response.items) {
    assert.ok(item.explanation, `${item.itemId} has an explanation`);
    const reason = item.explanation.reason;
    assert.notEqual(reason, 'REASON_UNSPECIFIED', `${item.itemId} has a reason`);
    assert.equal(reason === 'REASON_EXPLORING', item.explored, `${item.itemId}: exploring exactly when exploration drew it`);
    if (reason === 'REASON_EXPLORING') {
      assert.ok(Math.abs(item.explanation.propensity - item.propensity) < 1e-6, 'exploring cites the propensity');
    }
    // A user without a single reaction has no items of their own to be similar to.
    assert.deepEqual(item.explanation.similarItems, [], item.itemId);
  }
  const plain = await client.recommend('node-sdk-explained', 10);
  assert.ok(plain.items.every((item) => item.explanation === null), 'explanations only on request');
});

test('a filter on an attribute no item has is INVALID_ARGUMENT', async () => {
  await assert.rejects(
    client.recommend('node-sdk-filtered', 5, { filters: [filters.equals('node_no_such_attribute', 'x')] }),
    (err) => {
      assert.equal(err.code, status.INVALID_ARGUMENT);
      assert.match(err.details, /'node_no_such_attribute'/);
      return true;
    },
  );
});

test('filters keep exactly the matching items', async () => {
  const some = (await direct.recommend('node-sdk-filtered', 1)).items[0].itemId;
  const dimension = (await direct.getItem(some)).embedding.length;
  await direct.upsertItems([
    { itemId: 'node-sdk-shelf-a', title: 'shelf a', attributes: { node_shelf: 'a', node_year: '1990' }, embedding: Array(dimension).fill(0.1) },
    { itemId: 'node-sdk-shelf-b', title: 'shelf b', attributes: { node_shelf: 'b', node_year: '2010' }, embedding: Array(dimension).fill(-0.1) },
  ]);
  const recommend = async (...conditions) => ids(await client.recommend('node-sdk-filtered', 10, { filters: conditions }));
  assert.deepEqual(await recommend(filters.equals('node_shelf', 'a')), ['node-sdk-shelf-a']);
  assert.deepEqual((await recommend(filters.anyOf('node_shelf', ['a', 'b']))).sort(), ['node-sdk-shelf-a', 'node-sdk-shelf-b']);
  assert.deepEqual(await recommend(filters.atLeast('node_year', 2000)), ['node-sdk-shelf-b']);
  assert.deepEqual(await recommend(filters.between('node_year', 1980, 2000)), ['node-sdk-shelf-a']);
  assert.deepEqual(await recommend(filters.equals('node_shelf', 'a'), filters.atLeast('node_year', 2000)), [], 'filters AND');
  const others = await recommend(filters.not(filters.equals('node_shelf', 'a')));
  assert.equal(others.length, 10, 'k items whenever k match');
  assert.ok(!others.includes('node-sdk-shelf-a'));
});

test('diversity above 1 is INVALID_ARGUMENT', async () => {
  await assert.rejects(client.recommend('node-sdk-diverse', 5, { diversity: 1.5 }), (err) => {
    assert.equal(err.code, status.INVALID_ARGUMENT);
    return true;
  });
  const diverse = await client.recommend('node-sdk-diverse', 10, { diversity: 1 });
  assert.equal(new Set(ids(diverse)).size, 10, 'diversity 1 still fills k distinct items');
});

test('a deleted item is never served again, and a second delete lists it missing', async () => {
  const user = 'node-sdk-deleter';
  const first = await client.recommend(user, 10);
  const victim = ids(first).find((id) => id.startsWith('item-'));
  assert.ok(victim, 'a catalog item in the list');
  // On the server itself: through the cutter a retried call could be the one to answer.
  const deleted = await direct.deleteItems([victim]);
  assert.equal(deleted.deletedCount, 1);
  assert.deepEqual(deleted.missingItemIds, []);
  assert.ok(BigInt(deleted.catalogVersion) > BigInt(first.catalogVersion), 'a new catalog version');
  assert.ok(!ids(await client.recommend(user, 10)).includes(victim), 'not in the next list');
  assert.ok(!ids(await client.recommend(user, 500)).includes(victim), 'not anywhere in the catalog-wide list');
  await assert.rejects(client.getItem(victim), (err) => err.code === status.NOT_FOUND);
  const again = await client.deleteItems([victim]);
  assert.equal(again.deletedCount, 0);
  assert.deepEqual(again.missingItemIds, [victim]);
});

test('exportUser shows a user\'s list and reaction, and forgetUser erases them', async () => {
  const user = 'node-sdk-forgotten-user';
  const served = await direct.recommend(user, 5);
  const clicked = served.items[0].itemId;
  const stream = direct.feedbackStream();
  const ack = await stream.send({ eventId: served.eventId, userId: user, itemId: clicked, type: 'FEEDBACK_TYPE_CLICK' });
  await stream.close();
  assert.equal(ack.status, 'FEEDBACK_STATUS_ACCEPTED', ack.reason);

  const exported = await client.exportUser(user);
  assert.equal(exported.found, true);
  assert.deepEqual(exported.impressions.map((i) => i.eventId), [served.eventId]);
  assert.deepEqual(exported.impressions[0].itemIds, ids(served));
  assert.deepEqual(exported.loggedReactions.map((r) => [r.eventId, r.itemId, r.type]), [[served.eventId, clicked, 'click']]);
  // On the server itself: through the cutter a retry of a forget that went through says found=false.
  const forgotten = await direct.forgetUser(user);
  assert.equal(forgotten.found, true);
  assert.equal(Number(forgotten.logRecordsRemoved), 2);
  assert.ok(forgotten.auditId.length > 0, 'an audit id');
  assert.equal((await client.exportUser(user)).found, false);
  assert.equal((await client.forgetUser(user)).found, false);
});

test('a user the server never saw is not found by forgetUser or exportUser', async () => {
  const user = 'node-sdk-never-seen-user';
  const forgotten = await client.forgetUser(user);
  assert.equal(forgotten.found, false);
  assert.equal(Number(forgotten.logRecordsRemoved), 0);
  assert.equal(Number(forgotten.transitionsRemoved), 0);
  const exported = await client.exportUser(user);
  assert.equal(exported.found, false);
  assert.deepEqual(exported.impressions, []);
  assert.deepEqual(exported.loggedReactions, []);
  await assert.rejects(client.forgetUser(''), (err) => err.code === status.INVALID_ARGUMENT);
});
