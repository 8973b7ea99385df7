/**
 * headWitness on a real anvil, against test/chain/fixtures/HeadEventsFixture (a settable head
 * word and the token's two head events), so the search is tested apart from the token: the
 * newest event of the set whose fields hash to the word, never one that does not.
 */
import { ContractFactory, JsonRpcProvider, type Contract, type JsonRpcSigner } from 'ethers';
import { startAnvil, type Anvil } from '../../src/chain/anvil';
import { compileExtraContract } from '../../src/chain/contracts-build';
import { headHash, headWitness, type HeadWitness } from '../../src/chain/head-witness';

let anvil: Anvil;
let provider: JsonRpcProvider;
let fixture: Contract;

const SET_A = `0x${'a1'.repeat(32)}`;
const SET_B = `0x${'b2'.repeat(32)}`;
const witness = (n: number): NonNullable<HeadWitness> => ({
  digest: `0x${n.toString(16).padStart(2, '0').repeat(32)}`,
  commitment: 1000n + BigInt(n),
  epoch: BigInt(n),
  asOf: 1_700_000_000 + n,
});
const word = (w: NonNullable<HeadWitness>, revoked = false) =>
  `0x${(headHash(w) | (revoked ? 1n : 0n)).toString(16).padStart(64, '0')}`;

async function send(method: string, ...args: unknown[]): Promise<number> {
  const receipt = await (await fixture.getFunction(method)(...args)).wait();
  return receipt.blockNumber as number;
}
const emit = (event: 'advanced' | 'posted', setId: string, w: NonNullable<HeadWitness>) =>
  send(event, setId, w.epoch, w.digest, w.commitment, w.asOf);
const setHead = (setId: string, w: string) => send('setHead', setId, w);

beforeAll(async () => {
  anvil = await startAnvil();
  provider = new JsonRpcProvider(anvil.rpcUrl, undefined, {
    staticNetwork: true,
    cacheTimeout: -1,
  });
  const admin: JsonRpcSigner = await provider.getSigner(0);
  const a = compileExtraContract('test/chain/fixtures/HeadEventsFixture.sol', 'HeadEventsFixture');
  const deployed = await new ContractFactory(a.abi as never[], a.bytecode, admin).deploy();
  await deployed.waitForDeployment();
  fixture = deployed as unknown as Contract;
}, 120_000);

afterAll(async () => {
  provider?.destroy();
  await anvil?.stop();
});

test('a set with no head word has no witness (null)', async () => {
  expect(await headWitness(fixture, SET_A)).toBeNull();
});

test('the newest event of the set that hashes to the word, from either event, bit 0 aside', async () => {
  const [w0, w1, forged] = [witness(0), witness(1), witness(2)];
  const first = await emit('advanced', SET_A, w0);
  await emit('posted', SET_A, w1);
  await setHead(SET_A, word(w1));
  expect(await headWitness(fixture, SET_A)).toEqual(w1);
  // A newer event whose fields are not the head's (another emitter, a reorg) is passed over.
  await emit('advanced', SET_A, forged);
  expect(await headWitness(fixture, SET_A)).toEqual(w1);
  // The revocation flag does not hide the head; an older head is found behind newer events.
  await setHead(SET_A, word(w0, true));
  expect(await headWitness(fixture, SET_A.slice(2))).toEqual(w0);
  // From a block after its event, it is not found: CHAIN_HEAD_UNKNOWN, not a wrong witness.
  await expect(headWitness(fixture, SET_A, first + 1)).rejects.toMatchObject({
    code: 'CHAIN_HEAD_UNKNOWN',
  });
  expect(await headWitness(fixture, SET_A, first)).toEqual(w0);
});

test('another set’s events never make a witness', async () => {
  const w = witness(7);
  await emit('posted', SET_A, w);
  await setHead(SET_B, word(w));
  await expect(headWitness(fixture, SET_B)).rejects.toMatchObject({ code: 'CHAIN_HEAD_UNKNOWN' });
  await emit('advanced', SET_B, w);
  expect(await headWitness(fixture, SET_B)).toEqual(w);
});
