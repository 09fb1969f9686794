// Quickstart: recommend, click the first item over the feedback stream, print the server's status.
//
//   npm run build
//   node examples/quickstart.mjs [host:port]     (or RECSYS_TARGET; default localhost:50051)
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { RecsysClient } = require('../dist/index.js');

const target = process.argv[2] ?? process.env.RECSYS_TARGET ?? 'localhost:50051';
const client = new RecsysClient(target, { deadlineMs: 10_000, token: process.env.RECSYS_TOKEN });

try {
  const userId = 'quickstart-user';
  const list = await client.recommend(userId, 5);
  console.log(`model ${list.modelVersion}, impression ${list.eventId}:`);
  for (const item of list.items) {
    console.log(`  ${item.position}. ${item.itemId} (score ${item.score.toFixed(3)})`);
  }

  const stream = client.feedbackStream({ window: 64 });
  const first = list.items[0];
  const ack = await stream.send({ eventId: list.eventId, userId, itemId: first.itemId, type: 'FEEDBACK_TYPE_CLICK' });
  console.log(`click on ${first.itemId}: ${ack.status}${ack.reason ? ` (${ack.reason})` : ''}`);
  await stream.close();

  const status = await client.status();
  console.log('status:', JSON.stringify(status, null, 2));
} catch (err) {
  console.error(`quickstart failed: ${err.code ?? ''} ${err.details ?? err.message}`);
  process.exitCode = 1;
} finally {
  client.close();
}
