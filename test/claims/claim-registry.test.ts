import { join } from 'node:path';
import { verifyBody, listQuery } from '../../src/api/schemas';
import {
  CLAIMS,
  claimHolds,
  claimMeaning,
  claimStatementParams,
  claimValues,
  parseCliParams,
  type ClaimName,
  type ClaimParams,
} from '../../src/claims';
import { loadManifest } from '../../src/common/artifact-manifest';
import { circuitsForClaim } from '../../src/common/artifact-store';
import { attestationPackageSchema } from '../../src/common/attestation-package';
import { packStatement, unpackStatement } from '../../src/common/statement';
import { parseCommandArgs } from '../../src/cli/args';
import { COMMANDS } from '../../src/cli/commands';
import { fxBook, loadPrimitives, loadSnapshotFile, type FxBook } from '../../src/prover';
import { decodeJob, encodeJob } from '../../src/prover/queue/job-payload';
import { requirementReasons } from '../../src/verifier';
import { startOnshoreClaimsHarness, type OnshoreClaimsHarness } from '../support/onshore-harness';

// Every registered claim through every generic path, with nothing per claim outside its
// descriptor: a claim added to the registry is covered here without editing this file.

const SAMPLE = join(__dirname, '..', '..', 'examples', 'snapshot.csv');
const prove = COMMANDS.find((c) => c.name === 'prove')!;
const sample = loadSnapshotFile(SAMPLE);
const unit = { currency: sample.currency, decimals: sample.decimals };
let snapshot: FxBook;
const roundTrip = <T>(v: T): unknown => JSON.parse(JSON.stringify(v));

let onshore: OnshoreClaimsHarness;
beforeAll(async () => {
  snapshot = fxBook(await loadPrimitives(), sample);
  onshore = await startOnshoreClaimsHarness();
}, 60_000);
afterAll(async () => onshore?.close());

describe.each(CLAIMS.map((d) => [d.name, d] as const))('the %s claim', (name, d) => {
  const params = { claim: name, ...d.example.params } as ClaimParams;

  it('has artifacts for exactly the circuits its descriptor names', () => {
    expect(circuitsForClaim(loadManifest(), name)).toEqual(d.circuitIds);
  });

  it('reads its example the same from the CLI, the onshore API and the job payload', async () => {
    const { values, positionals } = parseCommandArgs(prove, [name, ...d.toCli(d.example.params)]);
    expect(parseCliParams(positionals[0], values, prove.usage)).toEqual(params);

    const res = await onshore.requestClaim({ ...params, context: '0xfeed' });
    expect(res.status).toBe(202);
    const queued = await onshore.jobData(res.body.jobId);
    expect(decodeJob(roundTrip(queued)).params).toEqual(params);

    const job = encodeJob({ snapshotId: 's', signerKeyId: 'k', params, context: '1' });
    expect(decodeJob(roundTrip(job)).params).toEqual(params);
  });

  it('holds on the sample, and its statement decodes to values that say what was proven', () => {
    expect(claimHolds(snapshot, params)).toBe(true);
    const { paramA, paramB } = claimStatementParams(params, snapshot);
    const parts = unpackStatement(packStatement({ context: 7n, paramA, paramB }))!;
    const values = claimValues(name as ClaimName, parts);
    expect(values.claim).toBe(name);
    // The decoded public values carry the proven parameters unchanged.
    expect(values).toMatchObject(params);
    const meaning = claimMeaning(values, snapshot.asOf, unit);
    expect(meaning).toContain(new Date(snapshot.asOf * 1000).toISOString());
    expect(meaning).not.toMatch(/undefined|NaN|\[object/);
  });

  it('checks investor requirements sent to the offshore API', () => {
    const body = (requirement: object) =>
      verifyBody.parse({ package: {}, requirements: { [name]: requirement } }).requirements;
    const { paramA, paramB } = claimStatementParams(params, snapshot);
    const values = claimValues(
      name as ClaimName,
      unpackStatement(packStatement({ context: 0n, paramA, paramB }))!,
    );
    expect(requirementReasons(body({}), values)).toEqual([]);
    expect(
      requirementReasons(body(roundTrip(d.example.unmetRequirement) as object), values),
    ).toEqual(['REQUIREMENT_NOT_MET']);
    expect(() => body({ notAParameter: 1 })).toThrow();
  });

  it('is a claim name on the offshore wire (packages, listings)', () => {
    expect(listQuery.parse({ claim: name }).claim).toBe(name);
    expect(attestationPackageSchema.shape.claim.parse(name)).toBe(name);
  });
});

describe('the registry', () => {
  it('names each claim once and refuses unknown ones on every edge', async () => {
    const names = CLAIMS.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    expect(() => parseCliParams('solvency', {}, prove.usage)).toThrow(
      expect.objectContaining({ code: 'CLAIM_UNKNOWN' }),
    );
    expect(listQuery.safeParse({ claim: 'solvency' }).success).toBe(false);
    const res = await onshore.requestClaim({ claim: 'solvency', context: '1' });
    expect(res.body.error.code).toBe('CLAIM_UNKNOWN');
  });

  it('gives allowedClasses one canonical value from the CLI, the API, a job and a requirement', async () => {
    const canonical = [1, 3];
    const cli = parseCommandArgs(prove, ['concentration', '--allowed-classes', '3, 1,1']);
    expect(parseCliParams('concentration', cli.values, prove.usage)).toMatchObject({
      allowedClasses: canonical,
    });
    const res = await onshore.requestClaim({
      claim: 'concentration',
      allowedClasses: [3, 1, 1],
      context: '1',
    });
    expect(await onshore.jobData(res.body.jobId)).toMatchObject({
      params: { allowedClasses: canonical },
    });
    const legacyJob = {
      v: 2,
      snapshotId: 's',
      signerKeyId: 'k',
      params: { claim: 'concentration', maxShareBps: 10000, allowedClasses: '10' },
      context: '1',
    };
    expect(decodeJob(legacyJob).params).toMatchObject({ allowedClasses: canonical });
    const req = verifyBody.parse({
      package: {},
      requirements: { concentration: { allowedClasses: [3, 1, 1] } },
    }).requirements;
    expect(req?.concentration?.allowedClasses).toEqual(canonical);
  });
});
