/**
 * The signer-set registry and the epoch chains in process memory (demo), with the Redis ones'
 * contracts. Values are kept as JSON and parsed on every read, so callers never share objects
 * with the store; each operation runs to its end without awaiting, so it is atomic here.
 */
import { chainAnswer, type EquivocationEvidence } from '../../verifier/epoch-chain';
import { checkLink, evidenceOf, pageEpochs, storedLink } from './epoch-chain-rules';
import { keyTime, revokedBeforeValid } from './key-registry-rules';
import type { StoreOp } from './memory-key-registry';
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

/** The signer-set registry on `op`'s store. */
export function createMemorySignerSets(op: StoreOp): SignerSetStore {
  const sets = new Map<string, string>();
  const read = (setId: string): SignerSetEntry | undefined => {
    const json = sets.get(setId);
    return json === undefined ? undefined : (JSON.parse(json) as SignerSetEntry);
  };
  return {
    register: (registration) =>
      op('signerSets.register', () => {
        const wanted = checkSetRegistration(registration, Date.now());
        const stored = read(wanted.entry.setId);
        if (stored) {
          checkSameSetRegistration(stored, wanted);
          return { created: false, entry: stored };
        }
        sets.set(wanted.entry.setId, JSON.stringify(wanted.entry));
        return { created: true, entry: read(wanted.entry.setId)! };
      }),
    revoke: (setId, effectiveAt) =>
      op('signerSets.revoke', () => {
        const at = keyTime(effectiveAt, 'effectiveAt');
        const stored = isSetId(setId) ? read(setId) : undefined;
        if (!stored) return undefined;
        if (at < stored.validFrom) throw revokedBeforeValid('signerSet');
        if (stored.revokedAt === undefined || at < stored.revokedAt) {
          sets.set(setId, JSON.stringify({ ...stored, revokedAt: at }));
          return at;
        }
        return stored.revokedAt;
      }),
    get: (setId) => op('signerSets.get', () => (isSetId(setId) ? read(setId) : undefined)),
    list: () =>
      op('signerSets.list', () => [...sets.keys()].map((id) => read(id)!).sort(setsByValidFrom)),
  };
}

interface MemoryChain {
  first?: number;
  head?: number;
  links: Map<number, string>;
  evidence: string[];
  conflicting: Set<string>;
}

/** The epoch chains on `op`'s store. */
export function createMemoryEpochChains(op: StoreOp): EpochChainStore {
  const chains = new Map<string, MemoryChain>();
  const chainOf = (setId: string): MemoryChain => {
    let chain = chains.get(setId);
    if (!chain) {
      chain = { links: new Map(), evidence: [], conflicting: new Set() };
      chains.set(setId, chain);
    }
    return chain;
  };
  const linkAt = (chain: MemoryChain | undefined, epoch: number | undefined) => {
    const json = epoch === undefined ? undefined : chain?.links.get(epoch);
    return json === undefined ? undefined : (JSON.parse(json) as StoredChainLink);
  };
  const view = (setId: string, epoch: number, firstEpoch: number) => {
    const chain = chains.get(setId);
    return { firstEpoch, atEpoch: linkAt(chain, epoch), head: linkAt(chain, chain?.head) };
  };

  return {
    peek: (link, firstEpoch) =>
      op('chains.peek', () => {
        checkLink(link, firstEpoch);
        return chainAnswer(view(link.setId, link.epoch, firstEpoch), link);
      }),
    append: (link, firstEpoch, signed) =>
      op('chains.append', () => {
        checkLink(link, firstEpoch);
        const seen = view(link.setId, link.epoch, firstEpoch);
        const answer = chainAnswer(seen, link);
        const chain = chainOf(link.setId);
        if (answer === 'extends') {
          chain.links.set(link.epoch, JSON.stringify(storedLink(link, signed, Date.now())));
          chain.head = link.epoch;
          chain.first ??= link.epoch;
        } else if (
          answer === 'equivocation' &&
          !chain.conflicting.has(link.digest) &&
          chain.evidence.length < MAX_EVIDENCE_PER_SET
        ) {
          chain.conflicting.add(link.digest);
          chain.evidence.push(JSON.stringify(evidenceOf(seen.atEpoch!, signed, Date.now())));
        }
        return answer;
      }),
    summary: (setId) =>
      op('chains.summary', () => {
        const chain = chains.get(setId);
        const head = linkAt(chain, chain?.head);
        if (!head || !chain) return { head: null, links: 0 };
        const { epoch, commitment, asOf, digest } = head;
        return { head: { epoch, commitment, asOf, digest }, links: epoch - chain.first! + 1 };
      }),
    links: (setId, page) =>
      op('chains.links', () => {
        const chain = chains.get(setId);
        const { epochs, nextCursor } = pageEpochs(chain?.head, chain?.first ?? 0, page);
        const items = epochs.map((e) => linkAt(chain, e)!);
        return nextCursor === undefined ? { items } : { items, nextCursor };
      }),
    equivocations: (setId) =>
      op('chains.equivocations', () =>
        (chains.get(setId)?.evidence ?? []).map((j) => JSON.parse(j) as EquivocationEvidence),
      ),
  };
}
