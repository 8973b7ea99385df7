// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Pausable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Pausable.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ISignerRegistry} from "./ISignerRegistry.sol";
import {ICoverageVerifier} from "./ICoverageVerifier.sol";
import {IProofGatedToken} from "./IProofGatedToken.sol";
import {Coverage32Groth16} from "./Coverage32Groth16.sol";
import {LargeCoverageBatchGroth16} from "./LargeCoverageBatchGroth16.sol";

/// @title ProofGatedToken
/// @notice An RWA token in one unit (currency, decimals) that only mints against a Groth16
///         coverage proof over a snapshot signed (ECDSA P-256) by k distinct members of a
///         registered k-of-n signer set in that unit: the snapshot covers `liabilities` (= the
///         capacity, in token base units) at `minCoverageBps` or more, and the supply after the
///         mint stays within that capacity. A multi-currency book also needs its FX rate table
///         signed by a registered FX source. Each set's snapshots form an epoch chain (each
///         message names its epoch and the previous snapshot's commitment); the token keeps
///         each set's head and mints only on the head or the next link: no gap, no rollback,
///         no second message for one epoch (equivocation).
/// @dev Gas: configuration lives in immutables. Members' keys come in calldata and are bound
///      by setId = sha256(domain, threshold, keyIds) and keyIds[index] = sha256(x || y), so the
///      registry check is one storage slot whatever k and n. A mint reads the set's chain head:
///      on the head epoch 2 slots (the packed epoch/asOf/started word and the digest), no
///      write; on the next epoch 2 slots read (packed word, commitment) and 3 written. Checks
///      run cheapest first (pure, sha256, registry, P-256 precompiles, FX, Groth16), except
///      that the chain rules come after the signatures: a verdict such as Equivocation is
///      only ever about a message the set really signed. A large book (chunk proofs, LARGESPEC)
///      posts through postLargeProof: the chunk chain from calldata, then the same checks, and
///      every proof in one pairing call (LargeCoverageBatchGroth16, inlined).
contract ProofGatedToken is IProofGatedToken, AccessControl, ERC20Pausable {
    // The posted capacity, declared first so that it packs into Pausable's `_paused` slot: a
    // plain mint's pause check and its posted-share read are one cold slot (2,100 gas), and
    // postProof rewrites a slot it already read. See IProofGatedToken.Posted.
    uint64 private _postedShare;
    uint40 private _postedExpiry;
    uint64 private _postedEpoch;
    uint80 private _postedSetTag;

    /// @notice May call mintWithProof and mint.
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");
    /// @notice May pause and unpause.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @notice Domain separator of the context binding.
    bytes32 public constant CONTEXT_DOMAIN = keccak256("zkattest.mint.v1");
    /// @notice How far in the future a snapshot's or rate table's as-of time may be, seconds.
    uint256 public constant MAX_CLOCK_SKEW = 300;

    bytes32 private constant SNAPSHOT_DOMAIN = bytes32("zkattest.snapshot.v2");
    bytes32 private constant FX_DOMAIN = bytes32("zkattest.fx.v2");
    bytes32 private constant SIGNER_SET_DOMAIN = bytes32("zkattest.signerset.v2");
    bytes32 private constant ALLOCATIONS_DOMAIN = bytes32("zkattest.allocations.v2");
    bytes32 private constant ALLOC_CONTEXT_DOMAIN = bytes32("zkattest.alloc-context.v2");
    /// @dev BN254 scalar field modulus r.
    uint256 private constant SNARK_SCALAR_FIELD =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @dev P-256 group order n, and n / 2 (the largest low-s value).
    uint256 private constant P256_N =
        0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551;
    uint256 private constant P256_HALF_N =
        0x7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a8;
    /// @dev The P-256 verification precompile (EIP-7951 on L1, RIP-7212 on L2s).
    address private constant P256_VERIFY = address(0x100);
    uint256 private constant CONTEXT_MASK = (1 << 128) - 1;
    /// @dev A large book's accumulator before chunk 0: Poseidon(0, 0, 0, 0, 0, 0, 0, 0)
    ///      (LARGESPEC section 3; START in src/common/large-book-accumulator.ts).
    uint256 private constant LARGE_BOOK_START =
        0x035ebc384d320413c9b97d446bf7de69e04d6278d68d52934a4f5f653348622a;
    /// @dev Most chunks of a large book: 2^7 (4,096 positions).
    uint256 private constant MAX_CHUNKS = 128;

    /// @notice An external Groth16 verifier of the coverage circuit, or address(0): the token's
    ///         built-in one (Coverage32Groth16, generated from the committed verification key).
    ICoverageVerifier public immutable verifier;
    /// @notice The registry of trusted signer sets and FX sources.
    ISignerRegistry public immutable registry;
    /// @notice The ISO 4217 code of the token's unit, e.g. "USD".
    bytes3 public immutable currency;
    /// @notice The minimum proven coverage (minCoverageBps) a mint needs, >= 10000.
    uint16 public immutable requiredRatioBps;
    /// @notice The oldest a snapshot may be at mint time, seconds.
    uint40 public immutable maxSnapshotAge;
    /// @notice The oldest a signed FX rate table may be at mint time, seconds.
    uint40 public immutable maxFxAge;
    /// @notice Poseidon hash of this unit's identity rate table (one row, rate 10^12): a proof
    ///         over it converts nothing, so it needs no FX source signature.
    uint256 public immutable identityFxTable;

    uint8 private immutable _decimals;
    uint256 private immutable _cachedChainId;
    uint256 private immutable _cachedBinding;
    /// @dev IC0 + identityFxTable * IC3 (built-in verifier): a proof over the identity table
    ///      needs one ecMul and one ecAdd fewer.
    uint256 private immutable _identityBaseX;
    uint256 private immutable _identityBaseY;

    /// @dev Each signer set's epoch chain head (read through chainHead()).
    mapping(bytes32 setId => ChainHead) private _heads;

    /// @notice Token configuration (a struct: the constructor has too many arguments otherwise).
    struct Config {
        string name;
        string symbol;
        ICoverageVerifier verifier;
        ISignerRegistry registry;
        bytes3 currency;
        uint8 decimals;
        uint256 identityFxTable;
        uint16 requiredRatioBps;
        uint40 maxSnapshotAge;
        uint40 maxFxAge;
        address admin;
    }

    /// @notice Deploys the token; `admin` gets DEFAULT_ADMIN_ROLE only (it grants the others).
    /// @param c Configuration: verifier address(0) for the built-in verifier, currency 3 uppercase ASCII letters, decimals 0..18,
    ///        identityFxTable the unit's identity table hash (computed off-chain, < r, != 0),
    ///        requiredRatioBps >= 10000, ages > 0, non-zero addresses.
    constructor(Config memory c) ERC20(c.name, c.symbol) {
        if (
            address(c.registry) == address(0) ||
            c.admin == address(0) ||
            !_isCurrencyCode(c.currency) ||
            c.decimals > 18 ||
            c.identityFxTable == 0 ||
            c.identityFxTable >= SNARK_SCALAR_FIELD ||
            c.requiredRatioBps < 10_000 ||
            c.maxSnapshotAge == 0 ||
            c.maxFxAge == 0
        ) revert ProofGatedToken__InvalidConfig();
        verifier = c.verifier;
        registry = c.registry;
        currency = c.currency;
        _decimals = c.decimals;
        identityFxTable = c.identityFxTable;
        requiredRatioBps = c.requiredRatioBps;
        maxSnapshotAge = c.maxSnapshotAge;
        maxFxAge = c.maxFxAge;
        _cachedChainId = block.chainid;
        _cachedBinding = _computeBinding();
        if (address(c.verifier) == address(0)) {
            (_identityBaseX, _identityBaseY) = Coverage32Groth16.foldThirdInput(c.identityFxTable);
        }
        _grantRole(DEFAULT_ADMIN_ROLE, c.admin);
    }

    /// @notice Base units are the unit's minor units (set at deployment).
    function decimals() public view override returns (uint8) {
        return _decimals;
    }

    /// @inheritdoc IProofGatedToken
    function mintWithProof(
        address to,
        uint256 amount,
        Groth16Proof calldata proof,
        uint256[3] calldata pubSignals,
        SnapshotFields calldata snapshot,
        SignerSetProof calldata signers,
        FxAttestation calldata fx,
        AllocationRow[] calldata allocations
    ) external onlyRole(MINTER_ROLE) whenNotPaused {
        if (amount == 0) revert ProofGatedToken__ZeroAmount();
        (uint64 share, bytes32 digest, bool advances) = _checkProof(
            proof,
            pubSignals,
            snapshot,
            signers,
            fx,
            allocations
        );
        if (totalSupply() + amount > share) revert ProofGatedToken__OverCapacity();
        if (advances) _advanceAndSupersede(snapshot, digest, pubSignals[0]);
        _mint(to, amount);
        emit MintedWithProof(
            to,
            amount,
            pubSignals[0],
            snapshot.setId,
            snapshot.epoch,
            snapshot.asOf,
            share
        );
    }

    /// @inheritdoc IProofGatedToken
    function postProof(
        Groth16Proof calldata proof,
        uint256[3] calldata pubSignals,
        SnapshotFields calldata snapshot,
        SignerSetProof calldata signers,
        FxAttestation calldata fx,
        AllocationRow[] calldata allocations
    ) external whenNotPaused returns (uint64 share) {
        (uint64 s, bytes32 digest, bool advances) = _checkProof(
            proof,
            pubSignals,
            snapshot,
            signers,
            fx,
            allocations
        );
        return _post(snapshot, s, digest, advances, pubSignals[0]);
    }

    /// @inheritdoc IProofGatedToken
    function postLargeProof(
        uint256[8][] calldata proofs,
        uint256[4][] calldata signals,
        SnapshotFields calldata snapshot,
        SignerSetProof calldata signers,
        FxAttestation calldata fx,
        AllocationRow[] calldata allocations
    ) external whenNotPaused returns (uint64 share) {
        uint256 chunks = _checkChunkChain(proofs.length, signals);
        uint256[4] calldata fin = signals[chunks];
        (uint64 s, bytes32 digest, bool advances) = _checkSigned(
            fin[0],
            fin[1],
            fin[2],
            chunks,
            snapshot,
            signers,
            fx,
            allocations
        );
        // One pairing call for all C + 1 proofs (inputs < r and points on G1 checked inside).
        if (
            !LargeCoverageBatchGroth16.verify(
                proofs[:chunks],
                signals[:chunks],
                proofs[chunks:],
                signals[chunks:]
            )
        ) revert ProofGatedToken__InvalidProof();
        return _post(snapshot, s, digest, advances, fin[0]);
    }

    /// @dev postProof's effects once a proof is checked: the posted share and expiry, and the
    ///      set's head when the snapshot is the next link.
    function _post(
        SnapshotFields calldata snapshot,
        uint64 share,
        bytes32 digest,
        bool advances,
        uint256 commitment
    ) private returns (uint64) {
        uint40 expiry = snapshot.asOf + maxSnapshotAge;
        uint80 setTag = uint80(uint256(snapshot.setId));
        uint64 currentShare = _postedShare;
        uint40 currentExpiry = _postedExpiry;
        if (
            currentShare == share &&
            currentExpiry == expiry &&
            _postedEpoch == snapshot.epoch &&
            _postedSetTag == setTag
        ) return share; // posted already: a relay repeating itself
        // A live post of another set that stays valid longer is not replaced by an older one
        // (the same set's order is its chain's: an older epoch is a rollback).
        if (
            currentShare != 0 &&
            _postedSetTag != setTag &&
            currentExpiry > expiry &&
            currentExpiry >= block.timestamp
        ) revert ProofGatedToken__StalerThanPosted();
        // One event: ProofPosted carries the digest, so a head move here needs no ChainAdvanced.
        if (advances) _moveHead(snapshot, digest, commitment);
        (_postedShare, _postedExpiry, _postedEpoch, _postedSetTag) = (
            share,
            expiry,
            snapshot.epoch,
            setTag
        );
        emit ProofPosted(snapshot.setId, snapshot.epoch, commitment, share, expiry, digest);
        return share;
    }

    /// @dev A large book's chunk chain over calldata (pure, before any signature or pairing):
    ///      C = signals.length - 1 chunk rows then the final's; C a power of two in 2..128,
    ///      one proof per row; every chunk's commitment and fxTable are the final's; accIn of
    ///      chunk 0 is START, of chunk k the accOut of chunk k - 1; the last accOut is
    ///      chunkSet. The rows are passed whole (not derived from the accOuts): the generated
    ///      batch verifier reads and hashes its inputs from calldata; deriving them would need a
    ///      memory variant of it to save 3 calldata words (~1,500 gas) of a chunk's ~55,000.
    /// @return chunks C.
    function _checkChunkChain(
        uint256 proofCount,
        uint256[4][] calldata signals
    ) private pure returns (uint256 chunks) {
        if (signals.length < 3 || proofCount != signals.length) {
            revert ProofGatedToken__ChunkChainBroken();
        }
        chunks = signals.length - 1;
        if (chunks > MAX_CHUNKS || chunks & (chunks - 1) != 0) {
            revert ProofGatedToken__ChunkChainBroken();
        }
        uint256[4] calldata fin = signals[chunks];
        (uint256 commitment, uint256 fxTable) = (fin[0], fin[2]);
        uint256 acc = LARGE_BOOK_START;
        for (uint256 k = 0; k < chunks; k++) {
            uint256[4] calldata row = signals[k];
            if (row[0] != commitment || row[1] != fxTable) revert ProofGatedToken__ChunkMismatch();
            if (row[2] != acc) revert ProofGatedToken__ChunkChainBroken();
            acc = row[3];
        }
        if (acc != fin[3]) revert ProofGatedToken__ChunkChainBroken();
    }

    /// @inheritdoc IProofGatedToken
    function mint(address to, uint256 amount) external onlyRole(MINTER_ROLE) whenNotPaused {
        uint64 share = _postedShare;
        if (share == 0) revert ProofGatedToken__NotPosted();
        if (block.timestamp > _postedExpiry) revert ProofGatedToken__PostExpired();
        if (amount == 0) revert ProofGatedToken__ZeroAmount();
        if (totalSupply() + amount > share) revert ProofGatedToken__OverCapacity();
        _mint(to, amount);
    }

    /// @inheritdoc IProofGatedToken
    function posted() external view returns (Posted memory) {
        return Posted(_postedShare, _postedExpiry, _postedEpoch, _postedSetTag);
    }

    /// @inheritdoc IProofGatedToken
    function allocationContext(bytes32 allocations) public pure returns (uint256) {
        return uint256(sha256(abi.encode(ALLOC_CONTEXT_DOMAIN, allocations))) >> 128;
    }

    /// @inheritdoc IProofGatedToken
    function advanceChain(
        SnapshotFields calldata snapshot,
        uint256 commitment,
        uint256 fxTable,
        SignerSetProof calldata signers
    ) external {
        if (commitment >= SNARK_SCALAR_FIELD || fxTable >= SNARK_SCALAR_FIELD) {
            revert ProofGatedToken__SignalOutOfField();
        }
        (bytes32 digest, bool advances) = _checkLink(snapshot, commitment, fxTable, signers);
        if (advances) _advanceAndSupersede(snapshot, digest, commitment);
    }

    /// @inheritdoc IProofGatedToken
    function chainHead(bytes32 setId) external view returns (ChainHead memory) {
        return _heads[setId];
    }

    /// @inheritdoc IProofGatedToken
    function redeem(uint256 amount) external {
        _burn(msg.sender, amount);
        emit Redeemed(msg.sender, amount);
    }

    /// @inheritdoc IProofGatedToken
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @inheritdoc IProofGatedToken
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    /// @inheritdoc IProofGatedToken
    function contextBinding() public view returns (uint256) {
        // Recomputed only if the chain id changed since deployment (a fork).
        return block.chainid == _cachedChainId ? _cachedBinding : _computeBinding();
    }

    /// @dev Every check of a proof and its snapshot (SETSPEC, ALLOCSPEC), cheapest first.
    /// @return share The supply this token may reach on it: its allocation row, or the capacity.
    /// @return digest sha256 of the snapshot message.
    /// @return advances Whether the set's chain head moves to it.
    function _checkProof(
        Groth16Proof calldata proof,
        uint256[3] calldata pubSignals,
        SnapshotFields calldata snapshot,
        SignerSetProof calldata signers,
        FxAttestation calldata fx,
        AllocationRow[] calldata allocations
    ) private view returns (uint64 share, bytes32 digest, bool advances) {
        (share, digest, advances) = _checkSigned(
            pubSignals[0],
            pubSignals[1],
            pubSignals[2],
            0,
            snapshot,
            signers,
            fx,
            allocations
        );
        if (!_verifyProof(proof, pubSignals)) revert ProofGatedToken__InvalidProof();
    }

    /// @dev Every check but the proof's, cheapest first: the coverage signals' range, the
    ///      signed chunk count (0 for a single proof), the statement (context or allocations,
    ///      ratio), freshness, the signed snapshot's chain link, the FX source.
    function _checkSigned(
        uint256 commitment,
        uint256 statement,
        uint256 fxTable,
        uint256 chunks,
        SnapshotFields calldata snapshot,
        SignerSetProof calldata signers,
        FxAttestation calldata fx,
        AllocationRow[] calldata allocations
    ) private view returns (uint64 share, bytes32 digest, bool advances) {
        if (
            commitment >= SNARK_SCALAR_FIELD ||
            statement >= SNARK_SCALAR_FIELD ||
            fxTable >= SNARK_SCALAR_FIELD
        ) revert ProofGatedToken__SignalOutOfField();
        if (snapshot.chunks != chunks) {
            if (chunks == 0) revert ProofGatedToken__UnsupportedSnapshot();
            revert ProofGatedToken__ChunkChainBroken();
        }

        // statement = context (128) | minCoverageBps (16) | capacity (64)
        uint64 capacity = uint64(statement >> 144);
        if (snapshot.allocations == 0) {
            if (allocations.length != 0) revert ProofGatedToken__AllocationsMismatch();
            if (statement & CONTEXT_MASK != contextBinding()) {
                revert ProofGatedToken__WrongContext();
            }
            share = capacity;
        } else {
            share = _allocationShare(allocations, snapshot.allocations, capacity);
            if (statement & CONTEXT_MASK != allocationContext(snapshot.allocations)) {
                revert ProofGatedToken__WrongContext();
            }
        }
        if (uint16(statement >> 128) < requiredRatioBps) revert ProofGatedToken__RatioTooLow();
        if (!_fresh(snapshot.asOf, maxSnapshotAge)) revert ProofGatedToken__StaleSnapshot();

        (digest, advances) = _checkLink(snapshot, commitment, fxTable, signers);
        if (fxTable != identityFxTable) _checkFx(fx, fxTable);
    }

    /// @dev The Groth16 check: built in (the identity FX table folded into IC0 at deployment)
    ///      or the external verifier the token was deployed with.
    function _verifyProof(
        Groth16Proof calldata proof,
        uint256[3] calldata pubSignals
    ) private view returns (bool) {
        if (address(verifier) != address(0)) {
            return verifier.verifyProof(proof.pA, proof.pB, proof.pC, pubSignals);
        }
        if (pubSignals[2] == identityFxTable) {
            return
                Coverage32Groth16.verifyWithBase(
                    proof.pA,
                    proof.pB,
                    proof.pC,
                    pubSignals[0],
                    pubSignals[1],
                    _identityBaseX,
                    _identityBaseY
                );
        }
        return Coverage32Groth16.verify(proof.pA, proof.pB, proof.pC, pubSignals);
    }

    /// @dev This token's row of a signed allocation table: the rows hash to the signed value
    ///      and are strictly ascending by (chainId, token) (one row per deployment), their sum
    ///      is within the proven capacity, and one names (block.chainid, this token).
    function _allocationShare(
        AllocationRow[] calldata rows,
        bytes32 allocations,
        uint64 capacity
    ) private view returns (uint64 share) {
        if (rows.length == 0 || sha256(abi.encode(ALLOCATIONS_DOMAIN, rows)) != allocations) {
            revert ProofGatedToken__AllocationsMismatch();
        }
        uint256 sum = 0;
        bool found = false;
        for (uint256 i = 0; i < rows.length; i++) {
            AllocationRow calldata r = rows[i];
            if (i > 0) {
                AllocationRow calldata p = rows[i - 1];
                if (
                    r.chainId < p.chainId ||
                    (r.chainId == p.chainId && uint160(r.token) <= uint160(p.token))
                ) revert ProofGatedToken__AllocationsMismatch();
            }
            sum += r.amount;
            if (r.chainId == block.chainid && r.token == address(this)) {
                share = r.amount;
                found = true;
            }
        }
        if (sum > capacity) revert ProofGatedToken__AllocationsOverCapacity();
        if (!found) revert ProofGatedToken__NoAllocation();
    }

    /// @dev Everything that makes `snapshot` a valid link of its set's chain here: k distinct
    ///      members of the set named by setId signed it, the set is trusted at its as-of time,
    ///      and it is the chain head or the next epoch (SETSPEC section 2/4 rules).
    /// @return digest sha256 of the snapshot message.
    /// @return advances Whether the head moves to it (false: it is the head already).
    function _checkLink(
        SnapshotFields calldata snapshot,
        uint256 commitment,
        uint256 fxTable,
        SignerSetProof calldata signers
    ) private view returns (bytes32 digest, bool advances) {
        _bindSigners(snapshot.setId, signers);
        (bool trusted, uint64 firstEpoch) = _signerSetStatus(snapshot.setId, snapshot.asOf);
        if (!trusted) revert ProofGatedToken__UntrustedSignerSet();
        digest = _snapshotDigest(snapshot, commitment, fxTable);
        Sig[] calldata sigs = signers.sigs;
        for (uint256 i = 0; i < sigs.length; i++) {
            Sig calldata g = sigs[i];
            if (!_p256Verify(digest, g.r, g.s, g.x, g.y)) {
                revert ProofGatedToken__InvalidSignature();
            }
        }
        advances = _chainStep(snapshot, digest, firstEpoch);
    }

    /// @dev registry.signerSetStatus as a bare staticcall: the registry is a contract fixed at
    ///      deployment, so the high-level call's code-size check and ABI decoding are dead weight.
    ///      Still one call per proof: a revocation takes effect at once.
    function _signerSetStatus(
        bytes32 setId,
        uint40 at
    ) private view returns (bool trusted, uint64 firstEpoch) {
        address target = address(registry);
        bytes4 selector = ISignerRegistry.signerSetStatus.selector;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, selector)
            mstore(add(m, 0x04), setId)
            mstore(add(m, 0x24), at)
            let ok := staticcall(gas(), target, m, 0x44, 0x00, 0x40)
            if iszero(and(ok, eq(returndatasize(), 0x40))) {
                revert(0, 0)
            }
            trusted := eq(mload(0x00), 1)
            firstEpoch := and(mload(0x20), 0xffffffffffffffff)
        }
    }

    /// @dev The signatures' shape, before any storage or precompile cost: at least `threshold`
    ///      of them, setId is the id of (threshold, keyIds), indices strictly increasing (each
    ///      member counted once) and within keyIds, (r, s) well formed and low-s, and each key
    ///      the member's (keyIds[index] = sha256(x || y)).
    function _bindSigners(bytes32 setId, SignerSetProof calldata p) private view {
        Sig[] calldata sigs = p.sigs;
        bytes32[] calldata ids = p.keyIds;
        if (p.threshold == 0 || sigs.length < p.threshold) {
            revert ProofGatedToken__ThresholdNotMet();
        }
        // bytes32[] packs as the keys' concatenation, as off-chain signerSetId hashes them.
        if (sha256(abi.encodePacked(SIGNER_SET_DOMAIN, p.threshold, ids)) != setId) {
            revert ProofGatedToken__WrongSignerSet();
        }
        uint256 lowest = 0;
        for (uint256 i = 0; i < sigs.length; i++) {
            Sig calldata g = sigs[i];
            uint256 index = g.index;
            if (index < lowest) revert ProofGatedToken__DuplicateSigner();
            if (index >= ids.length) revert ProofGatedToken__SignerNotInSet();
            if (!_wellFormed(g.r, g.s)) revert ProofGatedToken__SignatureMalformed();
            if (sha256(abi.encodePacked(g.x, g.y)) != ids[index]) {
                revert ProofGatedToken__SignerNotInSet();
            }
            lowest = index + 1;
        }
    }

    /// @dev The epoch chain rules against the set's head. Empty chain: only firstEpoch
    ///      (its prevCommitment may link to a predecessor set: not checked). Head epoch: the
    ///      same message (a second mint on it) or Equivocation. Head + 1: prevCommitment is the
    ///      head's commitment and asOf is not earlier. Anything below is a rollback (a token
    ///      mints only on the head or the next epoch), anything beyond head + 1 a gap.
    /// @return advances Whether the link is new.
    function _chainStep(
        SnapshotFields calldata s,
        bytes32 digest,
        uint64 firstEpoch
    ) private view returns (bool advances) {
        ChainHead storage h = _heads[s.setId];
        (uint64 headEpoch, uint40 headAsOf, bool started) = (h.epoch, h.asOf, h.started);
        uint64 epoch = s.epoch;
        if (!started) {
            if (epoch < firstEpoch) revert ProofGatedToken__EpochRollback();
            if (epoch > firstEpoch) revert ProofGatedToken__EpochGap();
            return true;
        }
        if (epoch == headEpoch) {
            if (h.digest != digest) revert ProofGatedToken__Equivocation();
            return false;
        }
        if (epoch < headEpoch) revert ProofGatedToken__EpochRollback();
        if (epoch - headEpoch > 1) revert ProofGatedToken__EpochGap();
        if (uint256(s.prevCommitment) != h.commitment) revert ProofGatedToken__BrokenLink();
        if (s.asOf < headAsOf) revert ProofGatedToken__EpochRollback();
        return true;
    }

    /// @dev Moves the set's head to a checked new link (3 slots).
    function _moveHead(SnapshotFields calldata s, bytes32 digest, uint256 commitment) private {
        _heads[s.setId] = ChainHead({
            digest: digest,
            commitment: commitment,
            epoch: s.epoch,
            asOf: s.asOf,
            started: true
        });
    }

    /// @dev _moveHead and says so.
    function _advance(SnapshotFields calldata s, bytes32 digest, uint256 commitment) private {
        _moveHead(s, digest, commitment);
        emit ChainAdvanced(s.setId, s.epoch, digest, commitment, s.asOf);
    }

    /// @dev _advance outside postProof: a posted share on this set's previous head is
    ///      superseded (plain mints need the posted snapshot to be the chain head).
    function _advanceAndSupersede(
        SnapshotFields calldata s,
        bytes32 digest,
        uint256 commitment
    ) private {
        _advance(s, digest, commitment);
        if (_postedShare != 0 && _postedSetTag == uint80(uint256(s.setId))) _postedShare = 0;
    }

    /// @dev The FX source is trusted at the table's as-of time, the table is fresh, and the
    ///      source signed (table hash, this unit, as-of).
    function _checkFx(FxAttestation calldata fx, uint256 fxTable) private view {
        if (fx.x == 0 && fx.y == 0) revert ProofGatedToken__FxSignatureMissing();
        if (!_fresh(fx.asOf, maxFxAge)) revert ProofGatedToken__StaleFx();
        if (!_wellFormed(fx.r, fx.s)) revert ProofGatedToken__SignatureMalformed();
        bytes32 keyId = sha256(abi.encodePacked(fx.x, fx.y));
        if (!registry.isFxSourceTrusted(keyId, fx.asOf)) {
            revert ProofGatedToken__UntrustedFxSource();
        }
        bytes32 digest = sha256(abi.encode(FX_DOMAIN, fxTable, currency, _decimals, fx.asOf));
        if (!_p256Verify(digest, fx.r, fx.s, fx.x, fx.y)) {
            revert ProofGatedToken__InvalidFxSignature();
        }
    }

    /// @dev SHA-256 of the 11-word snapshot message (V2SPEC), rebuilt in this token's unit.
    ///      Built in scratch memory straight from calldata (SnapshotFields is 6 static words:
    ///      setId, epoch, prevCommitment, asOf, allocations, chunks); the narrow fields get the
    ///      range check Solidity's own decoding would make (empty revert).
    function _snapshotDigest(
        SnapshotFields calldata s,
        uint256 commitment,
        uint256 fxTable
    ) private view returns (bytes32 digest) {
        bytes3 unit = currency;
        uint8 unitDecimals = _decimals;
        bytes32 domain = SNAPSHOT_DOMAIN;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, domain)
            calldatacopy(add(m, 0x20), s, 0x60) // setId, epoch, prevCommitment
            mstore(add(m, 0x80), commitment)
            mstore(add(m, 0xa0), calldataload(add(s, 0x60))) // asOf
            mstore(add(m, 0xc0), unit)
            mstore(add(m, 0xe0), unitDecimals)
            mstore(add(m, 0x100), fxTable)
            calldatacopy(add(m, 0x120), add(s, 0x80), 0x40) // allocations, chunks
            let narrow := or(
                or(shr(64, mload(add(m, 0x40))), shr(40, mload(add(m, 0xa0)))),
                shr(16, mload(add(m, 0x140)))
            )
            if or(narrow, iszero(staticcall(gas(), 0x02, m, 0x160, 0x00, 0x20))) {
                revert(0, 0)
            }
            digest := mload(0x00)
        }
    }

    /// @dev Not older than `maxAge` and not more than MAX_CLOCK_SKEW ahead of the block.
    function _fresh(uint40 asOf, uint40 maxAge) private view returns (bool) {
        return
            asOf <= block.timestamp + MAX_CLOCK_SKEW && uint256(asOf) + maxAge >= block.timestamp;
    }

    /// @dev 1 <= r < n and 1 <= s <= n/2 (low-s).
    function _wellFormed(uint256 r, uint256 s) private pure returns (bool) {
        return r != 0 && r < P256_N && s != 0 && s <= P256_HALF_N;
    }

    /// @dev The precompile answers a 32-byte 1 for a valid signature and nothing otherwise
    ///      (also for a point off the curve, and on a chain without it: a call to an empty
    ///      account), so only `1` passes.
    function _p256Verify(
        bytes32 digest,
        uint256 r,
        uint256 s,
        uint256 x,
        uint256 y
    ) private view returns (bool ok) {
        address target = P256_VERIFY;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, digest)
            mstore(add(m, 0x20), r)
            mstore(add(m, 0x40), s)
            mstore(add(m, 0x60), x)
            mstore(add(m, 0x80), y)
            mstore(0x00, 0)
            let success := staticcall(gas(), target, m, 0xa0, 0x00, 0x20)
            ok := and(success, and(eq(returndatasize(), 0x20), eq(mload(0x00), 1)))
        }
    }

    function _isCurrencyCode(bytes3 code) private pure returns (bool) {
        for (uint256 i = 0; i < 3; i++) {
            bytes1 c = code[i];
            if (c < "A" || c > "Z") return false;
        }
        return true;
    }

    function _computeBinding() private view returns (uint256) {
        return uint256(keccak256(abi.encode(block.chainid, address(this), CONTEXT_DOMAIN))) >> 128;
    }
}
