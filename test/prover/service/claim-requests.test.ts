import {
  startOnshoreClaimsHarness,
  type OnshoreClaimsHarness,
} from '../../support/onshore-harness';

// One claim request, one meaning: the onshore API reads a claim's parameters exactly as the
// CLI and the proving job do (its descriptor's schema), and a job exists only for a request
// that can be proved.

let onshore: OnshoreClaimsHarness;
beforeAll(async () => {
  onshore = await startOnshoreClaimsHarness();
}, 60_000);
afterAll(async () => onshore?.close());

const ALL_CLASSES = Array.from({ length: 16 }, (_, c) => c);

async function queuedParams(body: object): Promise<unknown> {
  const res = await onshore.requestClaim({ context: '7', ...body });
  expect(res.status).toBe(202);
  const data = (await onshore.jobData(res.body.jobId)) as { params: unknown };
  return data.params;
}

describe('claim requests on the onshore API', () => {
  it('take the defaults the CLI documents for omitted concentration parameters', async () => {
    // `zkattest prove concentration --max-share-bps 2000` means every class is allowed.
    expect(await queuedParams({ claim: 'concentration', maxShareBps: 2000 })).toEqual({
      claim: 'concentration',
      maxShareBps: 2000,
      allowedClasses: ALL_CLASSES,
    });
    expect(await queuedParams({ claim: 'concentration', allowedClasses: [2] })).toEqual({
      claim: 'concentration',
      maxShareBps: 10000,
      allowedClasses: [2],
    });
  });

  it('queue one canonical class set, whatever order or repeats it was given in', async () => {
    const a = await queuedParams({
      claim: 'concentration',
      maxShareBps: 2000,
      allowedClasses: [3, 1, 1],
    });
    const b = await queuedParams({
      claim: 'concentration',
      maxShareBps: 2000,
      allowedClasses: [1, 3],
    });
    expect(a).toEqual({ claim: 'concentration', maxShareBps: 2000, allowedClasses: [1, 3] });
    expect(b).toEqual(a);
  });

  it('refuse an empty class set before a job exists (no position could ever satisfy it)', async () => {
    const before = await onshore.jobCount();
    const res = await onshore.requestClaim({
      claim: 'concentration',
      maxShareBps: 2000,
      allowedClasses: [],
      context: '7',
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('CLAIM_PARAMS_INVALID');
    expect(await onshore.jobCount()).toBe(before);
  });

  it('refuse out-of-range and unknown parameters with coded 400s and no job', async () => {
    const before = await onshore.jobCount();
    const bad: Array<[object, string]> = [
      [{ claim: 'yield-range', minYieldBps: 400, maxYieldBps: 200 }, 'CLAIM_PARAMS_INVALID'],
      [{ claim: 'concentration', maxShareBps: 10001 }, 'CLAIM_PARAMS_INVALID'],
      [{ claim: 'concentration', allowedClasses: [16] }, 'CLAIM_PARAMS_INVALID'],
      [{ claim: 'coverage', minCoverageBps: 12000, positions: [] }, 'CLAIM_PARAMS_INVALID'],
      [{ claim: 'coverage' }, 'CLAIM_PARAMS_INVALID'],
      [{ claim: 'solvency' }, 'CLAIM_UNKNOWN'],
    ];
    for (const [body, code] of bad) {
      const res = await onshore.requestClaim({ context: '7', ...body });
      expect([res.status, res.body.error?.code]).toEqual([400, code]);
    }
    expect(await onshore.jobCount()).toBe(before);
  });
});
