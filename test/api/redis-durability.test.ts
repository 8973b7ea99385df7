import Redis from 'ioredis';
import { readConfig } from '../../src/api/config';
import { createLogger } from '../../src/common/logger';
import { startServer } from '../../src/entry-points/api-server';
import { startRedis, type Fsync } from '../support/redis-server';

// What a 201 guarantees is the Redis persistence setting; the API reads it at start-up and
// says it in its log (see README, "What a 201 guarantees").

async function startUpLog(fsync: Fsync, appendonly?: 'no') {
  const redis = await startRedis(fsync);
  try {
    if (appendonly) {
      const admin = new Redis(redis.url);
      await admin.config('SET', 'appendonly', appendonly);
      admin.disconnect();
    }
    const lines: Array<Record<string, unknown>> = [];
    const logger = createLogger('info', (line) => lines.push(JSON.parse(line)));
    const config = readConfig({ PORT: '0', REDIS_URL: redis.url, LOG_LEVEL: 'info' });
    const running = await startServer(config, logger);
    await running.close();
    return lines.find((l) => 'appendfsync' in l);
  } finally {
    await redis.stop();
  }
}

describe('the API states what an acknowledged record survives', () => {
  it('appendfsync always: every acknowledged record is on disk (info)', async () => {
    expect(await startUpLog('always')).toMatchObject({
      level: 'info',
      durability: 'durable',
      appendonly: 'yes',
      appendfsync: 'always',
      msg: 'every acknowledged record is on disk',
    });
  });

  it('appendfsync everysec: about a second can be lost (warn)', async () => {
    expect(await startUpLog('everysec')).toMatchObject({
      level: 'warn',
      durability: 'window',
      appendfsync: 'everysec',
      msg: expect.stringContaining('about 1 s of acknowledged records can be lost'),
    });
  });

  it('no AOF: acknowledged records can be lost (warn)', async () => {
    expect(await startUpLog('always', 'no')).toMatchObject({
      level: 'warn',
      durability: 'volatile',
      appendonly: 'no',
      msg: expect.stringContaining('without AOF'),
    });
  });
});
