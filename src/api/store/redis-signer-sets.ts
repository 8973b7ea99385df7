/**
 * The signer-set registry and the epoch chains on Redis. Key layout (P = the stores' key prefix):
 *
 *   P reg:set:<setId>   hash  setId, threshold, signers (JSON), validFrom, firstEpoch, revokedAt?
 *   P reg:sets          set   registered setIds (for listing)
 *   P chain:<setId>     hash  first, head (epochs); e:<epoch> link JSON (with its signed
 *                             snapshot); x:<digest> evidence kept for that conflicting digest;
 *                             evn evidence count; v:<n> evidence JSON
 *
 * Each script touches one key (Redis Cluster as the other stores): a set's whole chain is one
 * hash, so a link is judged and written atomically per set. Judging is the verifier's
 * chainAnswer, in TypeScript (one rule set): a script reads the link at the epoch and the head,
 * chainAnswer decides, and the write is a second script that re-checks nothing moved meanwhile
 * (the epoch still free, the head the same) and otherwise makes the caller judge again.
 * Links are write-once, so evidence built from a link read earlier stays true.
 */
import type { RedisConnection } from '../../common/redis-client';
import { storeUnavailable } from '../../common/redis-connection';
import type { SignedSnapshot } from '../../common/signed-snapshot';
import {
  chainAnswer,
  type ChainAnswer,
  type ChainLink,
  type EquivocationEvidence,
} from '../../verifier/epoch-chain';
import { checkLink, evidenceOf, pageEpochs, storedLink } from './epoch-chain-rules';
import { keyTime, revokedBeforeValid } from './key-registry-rules';
import { REVOKE_LUA, type GuardedRedis } from './redis-key-registry';
import {
  checkSameSetRegistration,
  checkSetRegistration,
  isSetId,
  setsByValidFrom,
} from './signer-set-rules';
import {
  MAX_EVIDENCE_PER_SET,
  type EpochChainStore,
  type SignerSetEntry,
  type SignerSetStore,
  type StoredChainLink,
} from './store-contracts';

const SCRIPTS = {
  // Creates the set's entry unless one exists: 1 if created, 0 if it was there.
  zkSetCreate: `
    if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
    redis.call('HSET', KEYS[1], 'setId', ARGV[1], 'threshold', ARGV[2], 'signers', ARGV[3],
      'validFrom', ARGV[4], 'firstEpoch', ARGV[5])
    return 1`,
  zkSetRevoke: REVOKE_LUA,
  // The link recorded at epoch ARGV[1] and the head link (false when none), read together.
  zkChainView: `
    local at = redis.call('HGET', KEYS[1], 'e:' .. ARGV[1])
    local head = redis.call('HGET', KEYS[1], 'head')
    local headLink = false
    if head then headLink = redis.call('HGET', KEYS[1], 'e:' .. head) end
    return {at, headLink}`,
  // Appends link ARGV[3] at epoch ARGV[1] if the epoch is still free and the head is still
  // ARGV[2] ('' = none), as when it was judged: 1 if written, 0 if the chain moved.
  zkChainExtend: `
    if redis.call('HEXISTS', KEYS[1], 'e:' .. ARGV[1]) == 1 then return 0 end
    local head = redis.call('HGET', KEYS[1], 'head') or ''
    if head ~= ARGV[2] then return 0 end
    redis.call('HSET', KEYS[1], 'e:' .. ARGV[1], ARGV[3], 'head', ARGV[1])
    redis.call('HSETNX', KEYS[1], 'first', ARGV[1])
    return 1`,
  // Keeps evidence ARGV[2] for conflicting digest ARGV[1], once per digest and at most ARGV[3]
  // per set: 1 if kept.
  zkChainEvidence: `
    if redis.call('HEXISTS', KEYS[1], 'x:' .. ARGV[1]) == 1 then return 0 end
    local n = tonumber(redis.call('HGET', KEYS[1], 'evn') or '0')
    if n >= tonumber(ARGV[3]) then return 0 end
    redis.call('HSET', KEYS[1], 'x:' .. ARGV[1], '1', 'v:' .. n, ARGV[2], 'evn', n + 1)
    return 1`,
} as const;

type ScriptName = keyof typeof SCRIPTS;
type ScriptFn = (key: string, ...args: Array<string | number>) => Promise<unknown>;

/** How often append judges again when another append moved the chain meanwhile. */
const APPEND_ATTEMPTS = 20;

function parseJson<T>(raw: string, what: string): T {
  try {
    return JSON.parse(raw) as T;
  } catch (err) {
    throw storeUnavailable(`read ${what}`, err);
  }
}

/** The signer-set registry and epoch chains on `redis`, under key prefix `p`. */
export function createRedisSignerSets(
  redis: RedisConnection,
  guarded: GuardedRedis,
  p: string,
): { signerSets: SignerSetStore; chains: EpochChainStore } {
  for (const [name, lua] of Object.entries(SCRIPTS)) {
    redis.defineCommand(name, { numberOfKeys: 1, lua });
  }
  // defineCommand adds methods ioredis' types cannot know about.
  const script = (name: ScriptName, key: string, ...args: Array<string | number>) =>
    (redis as unknown as Record<ScriptName, ScriptFn>)[name](key, ...args);
  const k = {
    set: (setId: string) => `${p}reg:set:${setId}`,
    sets: `${p}reg:sets`,
    chain: (setId: string) => `${p}chain:${setId}`,
  };

  const readSet = async (setId: string): Promise<SignerSetEntry | undefined> => {
    const h = await redis.hgetall(k.set(setId));
    if (h.setId === undefined) return undefined;
    for (const f of ['threshold', 'signers', 'validFrom', 'firstEpoch'] as const) {
      if (h[f] === undefined) {
        throw storeUnavailable('signerSets.read', new Error(`entry without ${f}`));
      }
    }
    const entry: SignerSetEntry = {
      setId: h.setId,
      threshold: Number(h.threshold),
      signers: parseJson<SignerSetEntry['signers']>(h.signers!, 'signer set'),
      validFrom: h.validFrom!,
      firstEpoch: Number(h.firstEpoch),
    };
    return h.revokedAt === undefined ? entry : { ...entry, revokedAt: h.revokedAt };
  };

  const signerSets: SignerSetStore = {
    register: (registration) =>
      guarded('signerSets.register', async () => {
        const wanted = checkSetRegistration(registration, Date.now());
        const { setId, threshold, signers, validFrom, firstEpoch } = wanted.entry;
        const created =
          (await script(
            'zkSetCreate',
            k.set(setId),
            setId,
            threshold,
            JSON.stringify(signers),
            validFrom,
            firstEpoch,
          )) === 1;
        const stored = await readSet(setId);
        if (!stored) throw storeUnavailable('signerSets.register', new Error('the entry vanished'));
        if (!created) checkSameSetRegistration(stored, wanted);
        await redis.sadd(k.sets, setId);
        return { created, entry: stored };
      }),
    revoke: (setId, effectiveAt) =>
      guarded('signerSets.revoke', async () => {
        const at = keyTime(effectiveAt, 'effectiveAt');
        if (!isSetId(setId)) return undefined;
        const found = (await script('zkSetRevoke', k.set(setId), at)) as string;
        if (found === '<') throw revokedBeforeValid('signerSet');
        return found || undefined;
      }),
    get: (setId) =>
      guarded('signerSets.get', async () => (isSetId(setId) ? readSet(setId) : undefined)),
    list: () =>
      guarded('signerSets.list', async () => {
        const ids = await redis.smembers(k.sets);
        const all = await Promise.all(ids.filter(isSetId).map(readSet));
        return all.filter((e): e is SignerSetEntry => e !== undefined).sort(setsByValidFrom);
      }),
  };

  const view = async (link: ChainLink, firstEpoch: number) => {
    const [at, head] = (await script('zkChainView', k.chain(link.setId), link.epoch)) as [
      string | null,
      string | null,
    ];
    return {
      firstEpoch,
      atEpoch: at ? parseJson<StoredChainLink>(at, 'chain link') : undefined,
      head: head ? parseJson<StoredChainLink>(head, 'chain link') : undefined,
    };
  };

  const append = async (
    link: ChainLink,
    firstEpoch: number,
    signed: SignedSnapshot,
  ): Promise<ChainAnswer> => {
    const key = k.chain(link.setId);
    for (let attempt = 0; attempt < APPEND_ATTEMPTS; attempt++) {
      const seen = await view(link, firstEpoch);
      const answer = chainAnswer(seen, link);
      if (answer === 'equivocation') {
        const evidence = evidenceOf(seen.atEpoch!, signed, Date.now());
        await script(
          'zkChainEvidence',
          key,
          link.digest,
          JSON.stringify(evidence),
          MAX_EVIDENCE_PER_SET,
        );
      }
      if (answer !== 'extends') return answer;
      const stored = JSON.stringify(storedLink(link, signed, Date.now()));
      const head = seen.head === undefined ? '' : String(seen.head.epoch);
      if ((await script('zkChainExtend', key, link.epoch, head, stored)) === 1) return answer;
    }
    throw storeUnavailable('chains.append', new Error('the chain kept moving'));
  };

  const chainField = async (setId: string, field: string) => redis.hget(k.chain(setId), field);

  const chains: EpochChainStore = {
    peek: (link, firstEpoch) =>
      guarded('chains.peek', async () => {
        checkLink(link, firstEpoch);
        return chainAnswer(await view(link, firstEpoch), link);
      }),
    append: (link, firstEpoch, signed) =>
      guarded('chains.append', async () => {
        checkLink(link, firstEpoch);
        return append(link, firstEpoch, signed);
      }),
    summary: (setId) =>
      guarded('chains.summary', async () => {
        if (!isSetId(setId)) return { head: null, links: 0 };
        const [first, headEpoch] = await redis.hmget(k.chain(setId), 'first', 'head');
        if (first === null || headEpoch === null) return { head: null, links: 0 };
        const raw = await chainField(setId, `e:${headEpoch}`);
        if (raw === null) throw storeUnavailable('chains.summary', new Error('head without link'));
        const { epoch, commitment, asOf, digest } = parseJson<StoredChainLink>(raw, 'chain link');
        return { head: { epoch, commitment, asOf, digest }, links: epoch - Number(first) + 1 };
      }),
    links: (setId, page) =>
      guarded('chains.links', async () => {
        const [first, head] = isSetId(setId)
          ? await redis.hmget(k.chain(setId), 'first', 'head')
          : [null, null];
        const { epochs, nextCursor } = pageEpochs(
          head === null ? undefined : Number(head),
          first === null ? 0 : Number(first),
          page,
        );
        const raws = epochs.length
          ? await redis.hmget(k.chain(setId), ...epochs.map((e) => `e:${e}`))
          : [];
        const items = raws.map((raw) => {
          if (raw === null) throw storeUnavailable('chains.links', new Error('a missing link'));
          return parseJson<StoredChainLink>(raw, 'chain link');
        });
        return nextCursor === undefined ? { items } : { items, nextCursor };
      }),
    equivocations: (setId) =>
      guarded('chains.equivocations', async () => {
        if (!isSetId(setId)) return [];
        const n = Number((await chainField(setId, 'evn')) ?? '0');
        if (n === 0) return [];
        const fields = Array.from({ length: n }, (_, i) => `v:${i}`);
        const raws = await redis.hmget(k.chain(setId), ...fields);
        return raws
          .filter((raw): raw is string => raw !== null)
          .map((raw) => parseJson<EquivocationEvidence>(raw, 'evidence'));
      }),
  };
  return { signerSets, chains };
}
