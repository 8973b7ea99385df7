import { ZkAttestError } from '../../common/errors';
import { identityFxTable } from '../../common/fx-table';
import type { EgressLog, EgressSender } from '../egress';
import { sensitiveStrings } from '../egress/leak-scan';
import type { ProvingQueue } from '../queue/proving-queue';
import type { Vault } from '../vault';
import type { EgressPort } from './onshore-app';
import type { RedisSnapshotAnchors } from './snapshot-anchors';

/**
 * The service's egress path: every package is scanned, before anything is logged as sent,
 * against the identifiers, values and salt of the snapshot its job proved (from the vault), and
 * refused (the refusal logged) if any of them appears. A job whose snapshot cannot be found
 * (the queue forgot the job, the vault lost the record) is refused too: no scan, no send.
 */
export function serviceEgress(deps: {
  sender: EgressSender;
  log: EgressLog;
  queue: ProvingQueue;
  vault: Vault;
  anchors: RedisSnapshotAnchors;
}): EgressPort {
  const sensitiveOf = async (jobId: string): Promise<readonly string[]> => {
    const { snapshotId } = await deps.queue.jobStatus(jobId);
    if (!snapshotId) {
      throw new ZkAttestError(
        'EGRESS_REFUSED',
        'egress refused: the job names no snapshot to scan',
      );
    }
    const { snapshot, salt, fx } = await deps.vault.getSnapshot(snapshotId);
    // The FX table the package carries: the snapshot's signed one, or its unit's identity.
    const table = fx?.table ?? identityFxTable(snapshot);
    return sensitiveStrings(snapshot, salt, table);
  };
  return {
    send: async (candidate, destination, { jobId }) => {
      const { snapshotId } = await deps.queue.jobStatus(jobId);
      const onshoreAnchor = snapshotId ? await deps.anchors.get(snapshotId) : undefined;
      const { entry } = await deps.sender.send(candidate, destination, {
        sensitive: () => sensitiveOf(jobId),
        ...(onshoreAnchor ? { onshoreAnchor } : {}),
      });
      return { outcome: entry.outcome, httpStatus: entry.httpStatus, sha256: entry.sha256 };
    },
    entries: () => deps.log.list(),
    recordAnchor: (snapshotId, anchor) => deps.anchors.record(snapshotId, anchor),
  };
}
