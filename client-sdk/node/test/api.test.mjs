// Filters, explanations, diversity, deleteItems, forgetUser and exportUser against an in-process
// fake server (no recsys server needed): what the helpers build, what arrives on the wire, and
// which calls are retried on UNAVAILABLE.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { RecsysClient, DEFAULT_PROTO_DIR, filters: f, recommendRequest, grpc, status } = require('../dist/index.js');
const protoLoader = require('@grpc/proto-loader');

const definition = protoLoader.loadSync(['recsys/v1/recommender.proto', 'recsys/v1/catalog.proto', 'recsys/v1/admin.proto'], {
  includeDirs: [DEFAULT_PROTO_DIR],
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
});
const proto = grpc.loadPackageDefinition(definition);

const received = [];
let failuresLeft = 0;
const deleted = new Set();
let server;
let client;

function flaky(callback) {
  if (failuresLeft > 0) {
    failuresLeft--;
    callback({ code: status.UNAVAILABLE, details: 'draining' });
    return true;
  }
  return false;
}

before(async () => {
  server = new grpc.Server();
  server.addService(proto.recsys.v1.RecommenderService.service, {
    recommend(call, callback) {
      received.push(call.request);
      const explanation = call.request.explain ? { reason: 'REASON_POPULAR', similarItems: [], propensity: 0 } : null;
      callback(null, { eventId: 'e1', items: [{ itemId: 'i1', position: 0, propensity: 1, explanation }] });
    },
    recommendBatch(_call, callback) {
      callback({ code: status.UNIMPLEMENTED });
    },
  });
  server.addService(proto.recsys.v1.CatalogService.service, {
    deleteItems(call, callback) {
      received.push(call.request);
      if (flaky(callback)) return;
      const fresh = call.request.itemIds.filter((id) => !deleted.has(id));
      call.request.itemIds.forEach((id) => deleted.add(id));
      callback(null, {
        deletedCount: fresh.length,
        missingItemIds: call.request.itemIds.filter((id) => !fresh.includes(id)),
        catalogVersion: '2',
      });
    },
  });
  server.addService(proto.recsys.v1.AdminService.service, {
    forgetUser(call, callback) {
      received.push(call.request);
      if (flaky(callback)) return;
      callback(null, { found: call.request.userId === 'known', auditId: 'a1' });
    },
    exportUser(call, callback) {
      received.push(call.request);
      callback(null, call.request.userId === 'known' ? { found: true, dislikedItemIds: ['d1'] } : { found: false });
    },
  });
  const port = await new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  client = new RecsysClient(`127.0.0.1:${port}`, { deadlineMs: 5_000, maxAttempts: 3 });
});

after(() => {
  client.close();
  server.forceShutdown();
});

test('the filter helpers build the AttributeFilter messages', () => {
  assert.deepEqual(f.equals('genre', 'sf'), { attribute: 'genre', anyOf: ['sf'] });
  assert.deepEqual(f.anyOf('genre', ['sf', 'fantasy']), { attribute: 'genre', anyOf: ['sf', 'fantasy'] });
  assert.deepEqual(f.between('year', 1990, 2000), { attribute: 'year', min: { value: 1990 }, max: { value: 2000 } });
  assert.deepEqual(f.atLeast('year', 0), { attribute: 'year', min: { value: 0 } }, 'a bound of 0 is still a bound');
  assert.deepEqual(f.atMost('price', 9.5), { attribute: 'price', max: { value: 9.5 } });
  const original = f.equals('lang', 'de');
  const negated = f.not(original);
  assert.equal(negated.negate, true);
  assert.equal(original.negate, undefined, 'the argument is not changed');
  assert.equal(f.not(negated).negate, false);
  assert.throws(() => f.equals(' ', 'x'), TypeError);
  assert.throws(() => f.anyOf('genre', []), TypeError);
  assert.throws(() => f.anyOf('year', [1990]), TypeError);
  assert.throws(() => f.between('year'), TypeError);
  assert.throws(() => f.between('year', 2000, 1990), RangeError);
  assert.throws(() => f.atLeast('year', Number.NaN), RangeError);
  assert.throws(() => f.atMost('year', Infinity), RangeError);
});

test('recommend sends filters, explain and diversity, and explanations come back only on request', async () => {
  const options = {
    exclude: ['x'],
    filters: [f.not(f.anyOf('genre', ['horror'])), f.between('year', 1990, 2000), f.atMost('price', 10)],
    explain: true,
    diversity: 0.5,
  };
  const explained = await client.recommend('u1', 5, options);
  const sent = received.at(-1);
  assert.equal(sent.userId, 'u1');
  assert.equal(sent.k, 5);
  assert.deepEqual(sent.excludeItemIds, ['x']);
  assert.equal(sent.explain, true);
  assert.equal(sent.diversity, 0.5);
  assert.equal(sent.filters.length, 3);
  assert.deepEqual(sent.filters[0].anyOf, ['horror']);
  assert.equal(sent.filters[0].negate, true);
  assert.equal(sent.filters[0].min, null, 'no bounds on an any-of filter');
  assert.deepEqual([sent.filters[1].min.value, sent.filters[1].max.value], [1990, 2000]);
  assert.equal(sent.filters[2].min, null, 'an open lower end stays unset');
  assert.equal(sent.filters[2].max.value, 10);
  assert.equal(explained.items[0].explanation.reason, 'REASON_POPULAR');

  const plain = await client.recommend('u1', 5);
  assert.equal(plain.items[0].explanation, null);
  assert.equal(received.at(-1).explain, false);
  assert.deepEqual(received.at(-1).filters, []);
  assert.deepEqual(recommendRequest('u', 3), { userId: 'u', k: 3, excludeItemIds: [], filters: [], explain: false, diversity: 0 });
});

test('deleteItems is retried on UNAVAILABLE and a repeat lists the ids as missing', async () => {
  const before = received.length;
  failuresLeft = 1;
  const first = await client.deleteItems(['a', 'b']);
  assert.equal(received.length - before, 2, 'one UNAVAILABLE, one retry');
  assert.equal(first.deletedCount, 2);
  assert.equal(first.catalogVersion, '2');
  const again = await client.deleteItems(['b', 'c']);
  assert.equal(again.deletedCount, 1);
  assert.deepEqual(again.missingItemIds, ['b']);
  await assert.rejects(client.deleteItems('abc'), TypeError);
});

test('forgetUser is retried on UNAVAILABLE; exportUser reads', async () => {
  const before = received.length;
  failuresLeft = 2;
  assert.equal((await client.forgetUser('known', { deadlineMs: 3_000 })).found, true);
  assert.equal(received.length - before, 3, 'two UNAVAILABLE, then the answer');
  assert.equal((await client.forgetUser('stranger')).found, false);
  assert.equal((await client.exportUser('stranger')).found, false);
  assert.deepEqual((await client.exportUser('known')).dislikedItemIds, ['d1']);
  failuresLeft = 5;
  await assert.rejects(client.forgetUser('known'), (err) => err.code === status.UNAVAILABLE);
  failuresLeft = 0;
});
