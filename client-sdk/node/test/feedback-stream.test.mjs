// FeedbackStream against an in-process fake FeedbackService (no recsys server needed): what is
// resent after a failure, what is not, and which errors end the stream.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { RecsysClient, DEFAULT_PROTO_DIR, grpc, status } = require('../dist/index.js');
const protoLoader = require('@grpc/proto-loader');

const definition = protoLoader.loadSync(['recsys/v1/feedback.proto'], {
  includeDirs: [DEFAULT_PROTO_DIR],
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
});
const proto = grpc.loadPackageDefinition(definition);

/** Per test: (call, connection number, metadata) => void; set before each test opens a stream. */
let behaviour = null;
let connections = 0;
let server;
let target;

before(async () => {
  server = new grpc.Server();
  server.addService(proto.recsys.v1.FeedbackService.service, {
    streamFeedback(call) {
      behaviour(call, ++connections, call.metadata);
    },
    reportFeedback(_call, callback) {
      callback({ code: status.UNIMPLEMENTED });
    },
  });
  const port = await new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  target = `127.0.0.1:${port}`;
});

after(() => server.forceShutdown());

const event = (i) => ({ eventId: `imp-${Math.floor(i / 10)}`, userId: 'u', itemId: `item-${i}`, type: 'FEEDBACK_TYPE_CLICK' });
const ack = (e, s, reason = '') => ({ ack: { eventId: e.eventId, itemId: e.itemId, type: e.type, status: s, reason } });

function fresh() {
  connections = 0;
  return new RecsysClient(target, { token: 'secret' });
}

test('after a failure exactly the unacknowledged events are resent, in order, and a stored one comes back DUPLICATE', async () => {
  const client = fresh();
  const stored = new Set();
  const received = { 1: [], 2: [] };
  const tokens = [];
  behaviour = (call, n, metadata) => {
    tokens.push(metadata.get('authorization')[0]);
    let failed = false;
    call.on('data', (request) => {
      const e = request.event;
      received[n]?.push(e.itemId);
      if (n === 1) {
        if (failed) return;
        const i = Number(e.itemId.slice(5));
        if (i <= 5) stored.add(e.itemId); // item-5 is stored but its ack is lost
        if (i <= 4) call.write(ack(e, 'FEEDBACK_STATUS_ACCEPTED'));
        if (i === 6) {
          failed = true;
          call.emit('error', { code: status.UNAVAILABLE, details: 'log unavailable' });
        }
      } else {
        call.write(ack(e, stored.has(e.itemId) ? 'FEEDBACK_STATUS_DUPLICATE' : 'FEEDBACK_STATUS_ACCEPTED'));
        stored.add(e.itemId);
      }
    });
    call.on('end', () => call.end());
  };
  const stream = client.feedbackStream({ window: 8, initialBackoffMs: 10 });
  const reconnects = [];
  stream.on('reconnect', (info) => reconnects.push(info));
  const events = Array.from({ length: 20 }, (_, i) => event(i));
  const acks = await Promise.all(events.map((e) => stream.send(e)));
  await stream.close();
  client.close();

  assert.equal(connections, 2);
  assert.equal(reconnects.length, 1);
  assert.equal(reconnects[0].error.code, status.UNAVAILABLE);
  assert.deepEqual(tokens, ['Bearer secret', 'Bearer secret']);
  assert.deepEqual(received[2], events.slice(5).map((e) => e.itemId), 'resent from the first unacknowledged event');
  assert.deepEqual(acks.map((a) => a.itemId), events.map((e) => e.itemId), 'acks in send order');
  assert.equal(acks[5].status, 'FEEDBACK_STATUS_DUPLICATE');
  assert.ok(acks.every((a, i) => i === 5 || a.status === 'FEEDBACK_STATUS_ACCEPTED'));
  // The window held: never more than 8 events written ahead of the acknowledgements.
  assert.ok(received[1].length <= 5 + 8, `first connection saw ${received[1].length} events`);
});

test('a REJECTED ack resolves and is not resent', async () => {
  const client = fresh();
  const received = [];
  behaviour = (call) => {
    call.on('data', (request) => {
      const e = request.event;
      received.push(e.itemId);
      call.write(e.itemId === 'item-1' ? ack(e, 'FEEDBACK_STATUS_REJECTED', 'not in the impression') : ack(e, 'FEEDBACK_STATUS_ACCEPTED'));
    });
    call.on('end', () => call.end());
  };
  const stream = client.feedbackStream();
  const rejected = [];
  stream.on('rejected', (a) => rejected.push(a));
  const acks = await Promise.all([0, 1, 2].map((i) => stream.send(event(i))));
  await stream.close();
  client.close();
  assert.deepEqual(acks.map((a) => a.status), ['FEEDBACK_STATUS_ACCEPTED', 'FEEDBACK_STATUS_REJECTED', 'FEEDBACK_STATUS_ACCEPTED']);
  assert.equal(acks[1].reason, 'not in the impression');
  assert.equal(rejected.length, 1);
  assert.deepEqual(received, ['item-0', 'item-1', 'item-2']);
  assert.equal(connections, 1);
});

for (const [name, code] of [
  ['PERMISSION_DENIED', status.PERMISSION_DENIED],
  ['UNAUTHENTICATED', status.UNAUTHENTICATED],
  ['INVALID_ARGUMENT', status.INVALID_ARGUMENT],
]) {
  test(`${name} rejects the outstanding sends and does not reconnect`, async () => {
    const client = fresh();
    behaviour = (call) => {
      call.once('data', () => call.emit('error', { code, details: name.toLowerCase() }));
    };
    const stream = client.feedbackStream({ initialBackoffMs: 10 });
    const sends = [0, 1, 2].map((i) => stream.send(event(i)));
    for (const send of sends) {
      await assert.rejects(send, (err) => err.code === code);
    }
    await assert.rejects(stream.send(event(3)), (err) => err.code === code);
    await assert.rejects(stream.close(), (err) => err.code === code);
    client.close();
    assert.equal(connections, 1);
  });
}

test('close() waits for every acknowledgement', async () => {
  const client = fresh();
  behaviour = (call) => {
    call.on('data', (request) => setTimeout(() => call.write(ack(request.event, 'FEEDBACK_STATUS_ACCEPTED')), 20));
    call.on('end', () => setTimeout(() => call.end(), 30));
  };
  const stream = client.feedbackStream({ window: 2 });
  const resolved = [];
  const sends = Array.from({ length: 6 }, (_, i) => stream.send(event(i)).then((a) => resolved.push(a.itemId)));
  await stream.close();
  assert.equal(resolved.length, 6);
  assert.deepEqual(resolved, Array.from({ length: 6 }, (_, i) => `item-${i}`));
  await Promise.all(sends);
  client.close();
});
