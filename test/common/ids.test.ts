import { institutionBody, listQuery } from '../../src/api/schemas';
import { checkRecord } from '../../src/api/store/store-validation';
import type { AttestationRecord } from '../../src/api/store/store-contracts';
import { SNARK_SCALAR_FIELD, BN254_BASE_FIELD } from '../../src/common/field';
import { isEgressHead } from '../../src/common/egress-head';
import { CONFIG_NAME_PATTERN, FIELD_ELEMENT_MAX_DIGITS, HEX64_PATTERN } from '../../src/common/ids';
import { workerSettingsSchema } from '../../src/entry-points/worker-config';
import { masterKeysFromEnv, newMasterKeySecret } from '../../src/prover/vault';
import { signEnvelope, type JsonWebKey } from '../../src/common/transport-envelope';
import { generateTransportKey } from '../../src/common/transport-key';
import { EgressSender, type EgressDestination } from '../../src/prover/egress/egress-sender';
import type { EgressLog } from '../../src/prover/egress/egress-log';

// Ids either side of every rule: case, dots, colons, length, leading dash.
const CANDIDATES = [
  'mainland-custodian',
  'bank-a',
  'a1',
  'x',
  'Bank-A',
  'hk.platform',
  'inst:001',
  'inst_001',
  '-bank',
  'a'.repeat(63),
  'a'.repeat(64),
  'a'.repeat(128),
  '',
];

const unusedLog = {} as EgressLog;

/** A stored record that passes the store's checks but for what `fields` set. */
const recordWith = (fields: Partial<Record<keyof AttestationRecord, unknown>>) =>
  ({
    id: 'a'.repeat(64),
    claim: 'coverage',
    circuitId: 'coverage-32',
    commitment: '1',
    setId: 'b'.repeat(64),
    threshold: 1,
    epoch: 0,
    prevCommitment: '0'.repeat(64),
    digest: 'd'.repeat(64),
    signers: [{ keyId: 'c'.repeat(64) }],
    signedBy: 'signed by 1 of 1: key cccccccccccc',
    currency: 'CNY',
    decimals: 2,
    amounts: {},
    asOf: 0,
    context: '0',
    institution: 'bank-a',
    valid: true,
    reasons: [],
    meaning: '',
    publicValues: {},
    recordedAt: new Date(0).toISOString(),
    ...fields,
  }) as unknown as AttestationRecord;

describe('one institution id on both sides of the border', () => {
  let privateJwk: JsonWebKey;
  beforeAll(async () => {
    privateJwk = (await generateTransportKey('ES256')).privateJwk;
  });

  const apiAccepts = (id: string) => institutionBody.shape.id.safeParse(id).success;
  const egressConfigAccepts = (id: string) => {
    const destination: EgressDestination = {
      name: 'hk-platform',
      url: 'https://offshore.example',
      institutionId: id,
      privateJwk,
      alg: 'ES256',
    };
    try {
      new EgressSender({ destinations: [destination], log: unusedLog });
      return true;
    } catch {
      return false;
    }
  };
  const envelopeAccepts = async (id: string) =>
    signEnvelope(new Uint8Array([1]), { alg: 'ES256', privateJwk, kid: id }).then(
      () => true,
      () => false,
    );

  it.each(CANDIDATES)(
    'the API, the onshore egress config and the envelope agree on %j',
    async (id) => {
      const api = apiAccepts(id);
      expect({
        id,
        egressConfig: egressConfigAccepts(id),
        envelope: await envelopeAccepts(id),
      }).toEqual({
        id,
        egressConfig: api,
        envelope: api,
      });
    },
  );

  it('accepts the ids used in the examples and refuses the ambiguous ones', () => {
    expect(apiAccepts('mainland-custodian')).toBe(true);
    expect(apiAccepts('Bank-A')).toBe(false); // case would make two ids of one
  });
});

describe('one bound on decimal field elements', () => {
  const record = (commitment: string) => recordWith({ commitment });

  it('is the digit count of r and q', () => {
    expect(SNARK_SCALAR_FIELD.toString().length).toBe(FIELD_ELEMENT_MAX_DIGITS);
    expect(BN254_BASE_FIELD.toString().length).toBe(FIELD_ELEMENT_MAX_DIGITS);
  });

  it('the API query and the store accept r - 1 and refuse one digit more', () => {
    const largest = (SNARK_SCALAR_FIELD - 1n).toString();
    const tooLong = '1'.repeat(FIELD_ELEMENT_MAX_DIGITS + 1);
    expect(listQuery.safeParse({ commitment: largest }).success).toBe(true);
    expect(() => checkRecord(record(largest))).not.toThrow();
    expect(listQuery.safeParse({ commitment: tooLong }).success).toBe(false);
    expect(() => checkRecord(record(tooLong))).toThrow(/commitment/);
  });
});

describe('one pattern for names in config: destinations, master key ids, queues', () => {
  const NAMES = ['hk-platform', 'k1', 'A.b_c-9', 'a'.repeat(64), 'a'.repeat(65), 'a:b', 'a b', ''];
  const destinationAccepted = async (name: string) => {
    const { privateJwk } = await generateTransportKey('ES256');
    const destination = { name, url: 'https://o.example', institutionId: 'bank-a', privateJwk };
    try {
      new EgressSender({ destinations: [{ ...destination, alg: 'ES256' }], log: unusedLog });
      return true;
    } catch {
      return false;
    }
  };
  const masterKeyAccepted = (id: string) =>
    masterKeysFromEnv({ ZKATTEST_MASTER_KEYS: `${id}:${newMasterKeySecret()}` }).then(
      () => true,
      () => false,
    );
  const queueAccepted = (name: string) =>
    workerSettingsSchema.shape.ZKATTEST_QUEUE.safeParse(name).success;

  it.each(NAMES)('the egress config, the master keys and the worker agree on %j', async (name) => {
    const expected = CONFIG_NAME_PATTERN.test(name);
    expect({
      destination: await destinationAccepted(name),
      masterKey: await masterKeyAccepted(name),
      queue: queueAccepted(name),
    }).toEqual({ destination: expected, masterKey: expected, queue: expected });
  });
});

describe('one pattern for SHA-256 hex ids', () => {
  const record = (id: string) => recordWith({ id });

  it.each(['ab'.repeat(32), 'AB'.repeat(32), 'ab'.repeat(31), 'ab'.repeat(33), 'g'.repeat(64)])(
    'the record store and the egress head agree on %j',
    (id) => {
      const expected = HEX64_PATTERN.test(id);
      const stored = (() => {
        try {
          checkRecord(record(id));
          return true;
        } catch {
          return false;
        }
      })();
      expect({ stored, head: isEgressHead({ seq: 1, hash: id }) }).toEqual({
        stored: expected,
        head: expected,
      });
    },
  );
});
