// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Pausable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Pausable.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ISignerRegistry} from "./ISignerRegistry.sol";
import {ICoverageVerifier} from "./ICoverageVerifier.sol";
import {IProofGatedToken} from "./IProofGatedToken.sol";
import {ISignerSetSubscriber} from "./ISignerSetSubscriber.sol";
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
/// @dev Gas (POSTSPEC): configuration lives in immutables. Calls carry one packed byte string,
///      read once into a Link (no ABI offsets, no padding, no empty structs); the set id is
///      derived from the signers' keys and the statement rebuilt from ratio and capacity, so
///      neither travels. Each set's chain head is one slot (a keccak of the head snapshot's
///      digest, commitment, epoch and asOf) that the caller opens with a witness; the
///      registry is called at a set's first link only and pushes revocations. Checks run
///      cheapest first (pure, sha256, storage, P-256 precompile, FX, Groth16), except that the
///      chain rules come after the signatures: a verdict such as Equivocation is only ever
///      about a message the set really signed. A large book (chunk proofs, LARGESPEC) posts
///      through postLargeProof: the chunk chain from calldata, then the same checks, and every
///      proof in one pairing call (LargeCoverageBatchGroth16, inlined).
contract ProofGatedToken is IProofGatedToken, ISignerSetSubscriber, AccessControl, ERC20Pausable {
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
    /// @dev POSTSPEC section 2: where a proof's link starts (proof, commitment, ratio, capacity),
    ///      the flag bits, a signature's and an allocation row's size, the most members.
    uint256 private constant LINK_AT = 0x12a;
    uint256 private constant FLAGS_MASK = 0x0f;
    uint256 private constant FLAG_FX = 4;
    uint256 private constant FLAG_ALLOC = 8;
    uint256 private constant SIG_BYTES = 129;
    uint256 private constant ROW_BYTES = 60;
    uint256 private constant MAX_MEMBERS = 8;
    /// @dev POSTSPEC section 3.
    uint256 private constant WITNESS_NONE = 0;
    uint256 private constant WITNESS_PREV = 1;
    uint256 private constant WITNESS_SAME = 2;
    uint256 private constant WITNESS_FULL = 3;
    /// @dev Bit 0 of a head word: the registry pushed a revocation of the set.
    bytes32 private constant REVOKED_BIT = bytes32(uint256(1));

    /// @notice An external Groth16 verifier of the coverage circuit, or address(0): the token's
    ///         built-in one (Coverage32Groth16, generated from the committed verification key).
    ICoverageVerifier public immutable verifier;
    /// @notice The registry of trusted signer sets and FX sources.
    ISignerRegistry public immutable override registry;
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

    /// @dev Each signer set's chain head word (POSTSPEC section 1; read through chainHead()).
    mapping(bytes32 setId => bytes32) private _heads;
    /// @dev The revokedAt the registry pushed for a set (POSTSPEC section 4; 0: none).
    mapping(bytes32 setId => uint40) private _revokedAt;

    /// @dev A link decoded from packed calldata (POSTSPEC section 2): the signed fields, and
    ///      the calldata offsets of the parts read where they are checked.
    struct Link {
        uint256 commitment;
        uint256 fxTable;
        bytes32 setId;
        uint64 epoch;
        bytes32 prevCommitment;
        uint40 asOf;
        uint16 chunks;
        /// @dev The allocation rows' hash (the signed field), 0 without rows.
        bytes32 allocations;
        /// @dev Head witness kind (POSTSPEC section 3).
        uint256 kind;
        uint256 threshold;
        uint256 members;
        uint256 sigCount;
        uint256 sigs;
        uint256 ids;
        uint256 witness;
        /// @dev Offset of the FX attestation, 0 without one.
        uint256 fx;
        uint256 rows;
        uint256 rowCount;
    }

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
        bytes calldata p
    ) external onlyRole(MINTER_ROLE) whenNotPaused {
        if (amount == 0) revert ProofGatedToken__ZeroAmount();
        (Link memory l, uint64 share, bytes32 digest, bytes32 word) = _checkProof(
            _offset(p),
            _end(p)
        );
        if (totalSupply() + amount > share) revert ProofGatedToken__OverCapacity();
        if (word != 0) _advanceAndSupersede(l, digest, word);
        _mint(to, amount);
        emit MintedWithProof(to, amount, l.commitment, l.setId, l.epoch, l.asOf, share);
    }

    /// @inheritdoc IProofGatedToken
    function postProof(bytes calldata p) external returns (uint64 share) {
        return _postProof(_offset(p), _end(p));
    }

    /// @inheritdoc IProofGatedToken
    // solhint-disable-next-line func-name-mixedcase
    function postProof_efficient_2cWrca() external returns (uint64 share) {
        // `p` is the whole calldata after the selector: no ABI offset and length words.
        return _postProof(4, msg.data.length);
    }

    /// @dev postProof's body over `p` at calldata [o, end). The pause check reads the slot
    ///      _post rewrites (Pausable's flag is its low byte), so the slot is read once.
    function _postProof(uint256 o, uint256 end) private returns (uint64) {
        uint256 slot = _postedSlot();
        if (slot & 0xff != 0) revert EnforcedPause();
        (Link memory l, uint64 s, bytes32 digest, bytes32 word) = _checkProof(o, end);
        return _post(l, s, digest, word, slot);
    }

    /// @dev The slot of Pausable's flag (low byte) and the posted fields (see their
    ///      declaration; the storage layout test pins it).
    function _postedSlot() private view returns (uint256 slot) {
        assembly ("memory-safe") {
            slot := sload(_postedShare.slot)
        }
    }

    /// @inheritdoc IProofGatedToken
    function postLargeProof(
        uint256[8][] calldata proofs,
        uint256[4][] calldata signals,
        bytes calldata link
    ) external whenNotPaused returns (uint64 share) {
        uint256 chunks = _checkChunkChain(proofs.length, signals);
        uint256[4] calldata fin = signals[chunks];
        Link memory l = _readLink(_offset(link), _end(link), fin[0]);
        if (l.fxTable != fin[2]) revert ProofGatedToken__MalformedCalldata();
        (uint64 s, bytes32 digest, bytes32 word) = _checkSigned(l, fin[1], chunks);
        // One pairing call for all C + 1 proofs (inputs < r and points on G1 checked inside).
        if (
            !LargeCoverageBatchGroth16.verify(
                proofs[:chunks],
                signals[:chunks],
                proofs[chunks:],
                signals[chunks:]
            )
        ) revert ProofGatedToken__InvalidProof();
        return _post(l, s, digest, word, _postedSlot());
    }

    /// @dev postProof's effects once a proof is checked: the posted share and expiry, and the
    ///      set's head word when the snapshot is the next link (`word` != 0).
    function _post(
        Link memory l,
        uint64 share,
        bytes32 digest,
        bytes32 word,
        uint256 slot
    ) private returns (uint64) {
        uint40 expiry = l.asOf + maxSnapshotAge;
        uint80 setTag = uint80(uint256(l.setId));
        // The four posted fields share Pausable's slot (`slot`, read by the caller) and are
        // written once, Pausable's byte kept.
        uint64 currentShare;
        uint40 currentExpiry;
        uint64 currentEpoch;
        uint80 currentTag;
        assembly ("memory-safe") {
            currentShare := and(shr(shl(3, _postedShare.offset), slot), 0xffffffffffffffff)
            currentExpiry := and(shr(shl(3, _postedExpiry.offset), slot), 0xffffffffff)
            currentEpoch := and(shr(shl(3, _postedEpoch.offset), slot), 0xffffffffffffffff)
            currentTag := and(shr(shl(3, _postedSetTag.offset), slot), 0xffffffffffffffffffff)
        }
        if (
            currentShare == share &&
            currentExpiry == expiry &&
            currentEpoch == l.epoch &&
            currentTag == setTag
        ) return share; // posted already: a relay repeating itself
        // A live post of another set that stays valid longer is not replaced by an older one
        // (the same set's order is its chain's: an older epoch is a rollback).
        if (
            currentShare != 0 &&
            currentTag != setTag &&
            currentExpiry > expiry &&
            currentExpiry >= block.timestamp
        ) revert ProofGatedToken__StalerThanPosted();
        // One event: ProofPosted carries the head's preimage, so a head move needs no
        // ChainAdvanced.
        if (word != 0) _heads[l.setId] = word;
        uint64 epoch = l.epoch;
        assembly ("memory-safe") {
            // share | expiry | epoch | setTag are 248 contiguous bits from _postedShare.offset.
            let shift := shl(3, _postedShare.offset)
            let kept := and(slot, not(shl(shift, sub(shl(248, 1), 1))))
            let posted := or(
                or(shl(shl(3, _postedShare.offset), share), shl(shl(3, _postedExpiry.offset), expiry)),
                or(shl(shl(3, _postedEpoch.offset), epoch), shl(shl(3, _postedSetTag.offset), setTag))
            )
            sstore(_postedShare.slot, or(kept, posted))
        }
        emit ProofPosted(l.setId, l.epoch, l.commitment, l.asOf, digest);
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
    function advanceChain(bytes calldata p) external {
        uint256 o = _offset(p);
        if (p.length < 32) revert ProofGatedToken__MalformedCalldata();
        Link memory l = _readLink(o + 32, _end(p), _word(o));
        if (l.commitment >= SNARK_SCALAR_FIELD || l.fxTable >= SNARK_SCALAR_FIELD) {
            revert ProofGatedToken__SignalOutOfField();
        }
        (bytes32 digest, bytes32 word) = _checkLink(l);
        if (word != 0) _advanceAndSupersede(l, digest, word);
    }

    /// @inheritdoc IProofGatedToken
    function chainHead(bytes32 setId) external view returns (bytes32) {
        return _heads[setId];
    }

    /// @inheritdoc ISignerSetSubscriber
    /// @dev Never reverts for the registry (not even paused): a revert would undo the
    ///      revocation everywhere (POSTSPEC section 4).
    function signerSetRevoked(bytes32 setId, uint40 revokedAt) external {
        if (msg.sender != address(registry)) revert ProofGatedToken__NotRegistry();
        _revokedAt[setId] = revokedAt;
        bytes32 word = _heads[setId];
        if (word != 0) _heads[setId] = word | REVOKED_BIT;
        if (
            _postedShare != 0 &&
            _postedSetTag == uint80(uint256(setId)) &&
            uint256(_postedExpiry) - maxSnapshotAge >= revokedAt
        ) _postedShare = 0;
        emit SignerSetRevocationReceived(setId, revokedAt);
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

    /// @dev A proof's calldata at [o, end) (POSTSPEC section 2: proof, commitment,
    ///      minCoverageBps, capacity, link) read and checked, cheapest first, the Groth16 check
    ///      last.
    /// @return l The link.
    /// @return share The supply this token may reach on it: its allocation row, or the capacity.
    /// @return digest sha256 of the snapshot message.
    /// @return word The set's new head word, 0 when the head does not move.
    function _checkProof(
        uint256 o,
        uint256 end
    ) private view returns (Link memory l, uint64 share, bytes32 digest, bytes32 word) {
        if (end < o + LINK_AT) revert ProofGatedToken__MalformedCalldata();
        l = _readLink(o + LINK_AT, end, _word(o + 0x100));
        // The statement is rebuilt, not sent (POSTSPEC section 2): minCoverageBps and capacity
        // from calldata, the context this token requires (its binding, or the allocation
        // table's). A proof bound to anything else fails the pairing check.
        uint256 context = l.rowCount == 0 ? contextBinding() : allocationContext(l.allocations);
        uint256 statement = (_bytesAt(o + 0x122, 8) << 144) |
            (_bytesAt(o + 0x120, 2) << 128) |
            context;
        (share, digest, word) = _checkSigned(l, statement, 0);
        if (!_verifyProof(o, l.commitment, statement, l.fxTable)) {
            revert ProofGatedToken__InvalidProof();
        }
    }

    /// @dev Every check but the proof's, cheapest first: the coverage signals' range, the
    ///      signed chunk count (0 for a single proof), the statement (context or allocations,
    ///      ratio), freshness, the signed snapshot's chain link, the FX source.
    function _checkSigned(
        Link memory l,
        uint256 statement,
        uint256 chunks
    ) private view returns (uint64 share, bytes32 digest, bytes32 word) {
        if (
            l.commitment >= SNARK_SCALAR_FIELD ||
            statement >= SNARK_SCALAR_FIELD ||
            l.fxTable >= SNARK_SCALAR_FIELD
        ) revert ProofGatedToken__SignalOutOfField();
        if (l.chunks != chunks) {
            if (chunks == 0) revert ProofGatedToken__UnsupportedSnapshot();
            revert ProofGatedToken__ChunkChainBroken();
        }

        // statement = context (128) | minCoverageBps (16) | capacity (64)
        uint64 capacity = uint64(statement >> 144);
        if (l.rowCount == 0) {
            if (statement & CONTEXT_MASK != contextBinding()) {
                revert ProofGatedToken__WrongContext();
            }
            share = capacity;
        } else {
            share = _allocationShare(l, capacity);
            // The rows' hash is the signed field (never sent): rows that are not the table
            // the proof is bound to show here, before any signature check.
            if (statement & CONTEXT_MASK != allocationContext(l.allocations)) {
                revert ProofGatedToken__AllocationsMismatch();
            }
        }
        if (uint16(statement >> 128) < requiredRatioBps) revert ProofGatedToken__RatioTooLow();
        if (!_fresh(l.asOf, maxSnapshotAge)) revert ProofGatedToken__StaleSnapshot();

        (digest, word) = _checkLink(l);
        if (l.fx != 0) _checkFx(l);
    }

    /// @dev The Groth16 check of the proof at calldata offset `p` (8 words, EVM order): built
    ///      in (the identity FX table folded into IC0 at deployment) or the external verifier
    ///      the token was deployed with.
    function _verifyProof(
        uint256 p,
        uint256 commitment,
        uint256 statement,
        uint256 fxTable
    ) private view returns (bool) {
        uint256[2] calldata pA;
        uint256[2][2] calldata pB;
        uint256[2] calldata pC;
        assembly ("memory-safe") {
            pA := p
            pB := add(p, 0x40)
            pC := add(p, 0xc0)
        }
        if (address(verifier) != address(0)) {
            return verifier.verifyProof(pA, pB, pC, [commitment, statement, fxTable]);
        }
        (uint256 baseX, uint256 baseY) = fxTable == identityFxTable
            ? (_identityBaseX, _identityBaseY)
            : Coverage32Groth16.foldThirdInput(fxTable);
        return Coverage32Groth16.verifyWithBase(pA, pB, pC, commitment, statement, baseX, baseY);
    }

    /// @dev Reads a link at calldata [o, end) (POSTSPEC section 2); its commitment comes from
    ///      before it. Checks lengths and counts only; the allocation rows are hashed here
    ///      (the signed `allocations` is their hash, never sent).
    function _readLink(
        uint256 o,
        uint256 end,
        uint256 commitment
    ) private view returns (Link memory l) {
        uint256 identity = identityFxTable;
        bool bad;
        // Link's fields are one word each, in declaration order (commitment at 0x00 ...
        // rowCount at 0x220); offsets are calldata positions plus byte counts: no overflow,
        // and a count out of range is `bad` before any offset built from it is used.
        assembly ("memory-safe") {
            let flags := shr(248, calldataload(o))
            mstore(l, commitment)
            let epoch := shr(192, calldataload(add(o, 1)))
            mstore(add(l, 0x60), epoch)
            mstore(add(l, 0x80), calldataload(add(o, 9))) // prevCommitment
            mstore(add(l, 0xa0), shr(216, calldataload(add(o, 41)))) // asOf
            mstore(add(l, 0xc0), shr(240, calldataload(add(o, 46)))) // chunks
            let kind := and(flags, 3)
            mstore(add(l, 0x100), kind)
            let n := shr(248, calldataload(add(o, 49)))
            let k := shr(248, calldataload(add(o, 50)))
            mstore(add(l, 0x120), shr(248, calldataload(add(o, 48)))) // threshold
            mstore(add(l, 0x140), n)
            mstore(add(l, 0x160), k)
            let sigs := add(o, 51)
            let ids := add(sigs, mul(k, SIG_BYTES))
            let w := add(ids, shl(5, sub(n, k)))
            mstore(add(l, 0x180), sigs)
            mstore(add(l, 0x1a0), ids)
            mstore(add(l, 0x1c0), w)
            bad := or(gt(flags, FLAGS_MASK), or(iszero(n), or(gt(n, MAX_MEMBERS), gt(k, n))))
            bad := or(bad, and(eq(kind, WITNESS_PREV), iszero(epoch)))
            o := add(w, add(mul(eq(kind, WITNESS_PREV), 37), mul(eq(kind, WITNESS_FULL), 77)))
            switch and(flags, FLAG_FX)
            case 0 {
                mstore(add(l, 0x20), identity)
            }
            default {
                mstore(add(l, 0x20), calldataload(o))
                mstore(add(l, 0x1e0), add(o, 32))
                o := add(o, 165)
            }
            if and(flags, FLAG_ALLOC) {
                let c := shr(248, calldataload(o))
                bad := or(bad, iszero(c))
                mstore(add(l, 0x200), add(o, 1))
                mstore(add(l, 0x220), c)
                o := add(add(o, 1), mul(c, ROW_BYTES))
            }
            bad := or(bad, iszero(eq(o, end)))
        }
        if (bad) revert ProofGatedToken__MalformedCalldata();
        if (l.rowCount != 0) l.allocations = _rowsHash(l.rows, l.rowCount);
    }

    /// @dev sha256(abi.encode(ALLOCATIONS_DOMAIN, rows)) with rows as (uint256 chainId,
    ///      address token, uint64 amount): the signed `allocations` (ALLOCSPEC).
    function _rowsHash(uint256 rows, uint256 count) private view returns (bytes32 h) {
        bytes32 domain = ALLOCATIONS_DOMAIN;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, domain)
            mstore(add(m, 0x20), 0x40)
            mstore(add(m, 0x40), count)
            let dst := add(m, 0x60)
            for {
                let i := 0
            } lt(i, count) {
                i := add(i, 1)
            } {
                let r := add(rows, mul(i, ROW_BYTES))
                mstore(dst, calldataload(r))
                mstore(add(dst, 0x20), shr(96, calldataload(add(r, 32))))
                mstore(add(dst, 0x40), shr(192, calldataload(add(r, 52))))
                dst := add(dst, 0x60)
            }
            if iszero(staticcall(gas(), 0x02, m, sub(dst, m), 0x00, 0x20)) {
                revert(0, 0)
            }
            h := mload(0x00)
        }
    }

    /// @dev This token's row of the signed allocation table: rows strictly ascending by
    ///      (chainId, token) (one row per deployment), their sum within the proven capacity,
    ///      and one names (block.chainid, this token).
    function _allocationShare(
        Link memory l,
        uint64 capacity
    ) private view returns (uint64 share) {
        uint256 sum = 0;
        bool found = false;
        uint256 lastChain = 0;
        uint256 lastToken = 0;
        for (uint256 i = 0; i < l.rowCount; i++) {
            uint256 r = l.rows + i * ROW_BYTES;
            uint256 chainId = _word(r);
            uint256 token = _bytesAt(r + 32, 20);
            uint256 amount = _bytesAt(r + 52, 8);
            if (i > 0 && (chainId < lastChain || (chainId == lastChain && token <= lastToken))) {
                revert ProofGatedToken__AllocationsMismatch();
            }
            (lastChain, lastToken) = (chainId, token);
            sum += amount;
            if (chainId == block.chainid && token == uint160(address(this))) {
                share = uint64(amount);
                found = true;
            }
        }
        if (sum > capacity) revert ProofGatedToken__AllocationsOverCapacity();
        if (!found) revert ProofGatedToken__NoAllocation();
    }

    /// @dev Everything that makes the link a valid link of its set's chain here: k distinct
    ///      members of the set named by setId signed it, the set is trusted at its as-of time
    ///      (POSTSPEC section 4), and it is the chain head or the next epoch (section 1).
    /// @return digest sha256 of the snapshot message.
    /// @return word The set's new head word; 0 when the head does not move.
    function _checkLink(Link memory l) private view returns (bytes32 digest, bytes32 word) {
        _bindSigners(l);
        bytes32 head = _heads[l.setId];
        uint64 firstEpoch = 0;
        if (head == 0) {
            firstEpoch = _firstLinkTrust(l.setId, l.asOf);
        } else if (head & REVOKED_BIT != 0 && l.asOf >= _revokedAt[l.setId]) {
            revert ProofGatedToken__UntrustedSignerSet();
        }
        digest = _snapshotDigest(l);
        unchecked {
            for (uint256 j = 0; j < l.sigCount; j++) {
                uint256 g = l.sigs + j * SIG_BYTES;
                if (
                    !_p256Verify(digest, _word(g + 65), _word(g + 97), _word(g + 1), _word(g + 33))
                ) revert ProofGatedToken__InvalidSignature();
            }
        }
        word = _chainStep(l, digest, head, firstEpoch);
    }

    /// @dev The registry's answer at a set's first link here: trusted at `asOf`, and this
    ///      token hears of its revocations (a subscriber). Later links read no registry.
    function _firstLinkTrust(bytes32 setId, uint40 asOf) private view returns (uint64) {
        (bool trusted, uint64 firstEpoch) = registry.signerSetStatus(setId, asOf);
        if (!trusted) revert ProofGatedToken__UntrustedSignerSet();
        if (!registry.isSubscriber(address(this))) revert ProofGatedToken__NotSubscribed();
        return firstEpoch;
    }

    /// @dev The signatures' shape and set (POSTSPEC section 2), before any storage or
    ///      precompile cost: at least `threshold` of them, indices strictly increasing (each
    ///      member counted once) and below n, (r, s) well formed and low-s; then l.setId, the id
    ///      of (threshold, keyIds) with each signer's keyId sha256(x || y) of its key. The id is
    ///      derived, never sent: keys that are not the registered membership name another set,
    ///      which the registry does not trust (and whose message the members did not sign).
    function _bindSigners(Link memory l) private view {
        uint256 k = l.sigCount;
        uint256 n = l.members;
        if (l.threshold == 0 || k < l.threshold) revert ProofGatedToken__ThresholdNotMet();
        uint256 failure;
        // index >= the previous index + 1, index < n, 1 <= r < N, 1 <= s <= N/2, per signature;
        // the first failure found is named (1 duplicate, 2 not in set, 3 malformed).
        assembly ("memory-safe") {
            let lowest := 0
            let g := mload(add(l, 0x180))
            for {
                let j := 0
            } and(lt(j, k), iszero(failure)) {
                j := add(j, 1)
            } {
                let index := shr(248, calldataload(g))
                let r := calldataload(add(g, 65))
                let sv := calldataload(add(g, 97))
                switch lt(index, lowest)
                case 1 {
                    failure := 1
                }
                default {
                    switch lt(index, n)
                    case 0 {
                        failure := 2
                    }
                    default {
                        if or(or(iszero(r), iszero(lt(r, P256_N))), or(iszero(sv), gt(sv, P256_HALF_N))) {
                            failure := 3
                        }
                    }
                }
                lowest := add(index, 1)
                g := add(g, SIG_BYTES)
            }
        }
        if (failure == 1) revert ProofGatedToken__DuplicateSigner();
        if (failure == 2) revert ProofGatedToken__SignerNotInSet();
        if (failure == 3) revert ProofGatedToken__SignatureMalformed();
        bytes32 domain = SIGNER_SET_DOMAIN;
        uint256 threshold = l.threshold;
        uint256 g0 = l.sigs;
        uint256 listed = l.ids;
        bytes32 setId;
        assembly ("memory-safe") {
            // domain (32) | threshold (1) | keyIds (32 each), then 64 bytes of key scratch.
            let m := mload(0x40)
            mstore(m, domain)
            mstore8(add(m, 0x20), threshold)
            let dst := add(m, 0x21)
            let scratch := add(m, 0x140)
            let ok := 1
            let g := g0
            let left := k
            for {
                let i := 0
            } lt(i, n) {
                i := add(i, 1)
            } {
                switch and(gt(left, 0), eq(shr(248, calldataload(g)), i))
                case 1 {
                    calldatacopy(scratch, add(g, 1), 0x40)
                    ok := and(ok, staticcall(gas(), 0x02, scratch, 0x40, dst, 0x20))
                    g := add(g, SIG_BYTES)
                    left := sub(left, 1)
                }
                default {
                    mstore(dst, calldataload(listed))
                    listed := add(listed, 0x20)
                }
                dst := add(dst, 0x20)
            }
            ok := and(ok, staticcall(gas(), 0x02, m, sub(dst, m), 0x00, 0x20))
            if iszero(ok) {
                revert(0, 0)
            }
            setId := mload(0x00)
        }
        l.setId = setId;
    }

    /// @dev The epoch chain rules (POSTSPEC section 1) against the head word and its witness
    ///      (section 3). Empty chain: only firstEpoch (its prevCommitment may link to a
    ///      predecessor set: not checked). Head epoch: the same message (a repeat) or
    ///      Equivocation. Head + 1: prevCommitment is the head's commitment and asOf is not
    ///      earlier. Anything below is a rollback, anything beyond head + 1 a gap.
    /// @return word The new head word (the revocation flag kept); 0 when the head stays.
    function _chainStep(
        Link memory l,
        bytes32 digest,
        bytes32 head,
        uint64 firstEpoch
    ) private view returns (bytes32 word) {
        uint64 epoch = l.epoch;
        bytes32 flag;
        if (head == 0) {
            if (l.kind != WITNESS_NONE) revert ProofGatedToken__StaleHead();
            if (epoch < firstEpoch) revert ProofGatedToken__EpochRollback();
            if (epoch > firstEpoch) revert ProofGatedToken__EpochGap();
            if (_revokedAt[l.setId] != 0) flag = REVOKED_BIT;
        } else {
            (bytes32 hDigest, uint256 hCommitment, uint64 hEpoch, uint40 hAsOf) = _witness(
                l,
                digest
            );
            if (_headHash(hDigest, hCommitment, hEpoch, hAsOf) != head & ~REVOKED_BIT) {
                revert ProofGatedToken__StaleHead();
            }
            if (epoch == hEpoch) {
                if (hDigest != digest) revert ProofGatedToken__Equivocation();
                return 0;
            }
            if (epoch < hEpoch) revert ProofGatedToken__EpochRollback();
            if (epoch - hEpoch > 1) revert ProofGatedToken__EpochGap();
            if (uint256(l.prevCommitment) != hCommitment) revert ProofGatedToken__BrokenLink();
            if (l.asOf < hAsOf) revert ProofGatedToken__EpochRollback();
            flag = head & REVOKED_BIT;
        }
        return _headHash(digest, l.commitment, epoch, l.asOf) | flag;
    }

    /// @dev The head's preimage the caller claims (POSTSPEC section 3).
    function _witness(
        Link memory l,
        bytes32 digest
    ) private pure returns (bytes32, uint256, uint64, uint40) {
        uint256 w = l.witness;
        if (l.kind == WITNESS_PREV) {
            return (
                bytes32(_word(w)),
                uint256(l.prevCommitment),
                l.epoch - 1,
                uint40(_bytesAt(w + 32, 5))
            );
        }
        if (l.kind == WITNESS_SAME) return (digest, l.commitment, l.epoch, l.asOf);
        if (l.kind == WITNESS_FULL) {
            return (
                bytes32(_word(w)),
                _word(w + 32),
                uint64(_bytesAt(w + 64, 8)),
                uint40(_bytesAt(w + 72, 5))
            );
        }
        revert ProofGatedToken__StaleHead(); // the set has a head and none was given
    }

    /// @dev keccak256(abi.encode(digest, commitment, epoch, asOf)) with bit 0 cleared.
    function _headHash(
        bytes32 digest,
        uint256 commitment,
        uint64 epoch,
        uint40 asOf
    ) private pure returns (bytes32) {
        bytes32 h;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, digest)
            mstore(add(m, 0x20), commitment)
            mstore(add(m, 0x40), epoch)
            mstore(add(m, 0x60), asOf)
            h := keccak256(m, 0x80)
        }
        return h & ~REVOKED_BIT;
    }

    /// @dev Moves the set's head (one slot) outside postProof and says so; a posted share on
    ///      this set's previous head is superseded (plain mints need the posted snapshot to be
    ///      the chain head).
    function _advanceAndSupersede(Link memory l, bytes32 digest, bytes32 word) private {
        _heads[l.setId] = word;
        emit ChainAdvanced(l.setId, l.epoch, digest, l.commitment, l.asOf);
        if (_postedShare != 0 && _postedSetTag == uint80(uint256(l.setId))) _postedShare = 0;
    }

    /// @dev The FX source is trusted at the table's as-of time, the table is fresh, and the
    ///      source signed (table hash, this unit, as-of).
    function _checkFx(Link memory l) private view {
        uint256 f = l.fx;
        (uint256 x, uint256 y, uint256 r, uint256 s) = (
            _word(f),
            _word(f + 32),
            _word(f + 64),
            _word(f + 96)
        );
        uint40 asOf = uint40(_bytesAt(f + 128, 5));
        if (x == 0 && y == 0) revert ProofGatedToken__FxSignatureMissing();
        if (!_fresh(asOf, maxFxAge)) revert ProofGatedToken__StaleFx();
        if (!_wellFormed(r, s)) revert ProofGatedToken__SignatureMalformed();
        bytes32 keyId = sha256(abi.encodePacked(x, y));
        if (!registry.isFxSourceTrusted(keyId, asOf)) {
            revert ProofGatedToken__UntrustedFxSource();
        }
        bytes32 digest = sha256(abi.encode(FX_DOMAIN, l.fxTable, currency, _decimals, asOf));
        if (!_p256Verify(digest, r, s, x, y)) revert ProofGatedToken__InvalidFxSignature();
    }

    /// @dev SHA-256 of the 11-word snapshot message (V2SPEC), rebuilt in this token's unit.
    function _snapshotDigest(Link memory l) private view returns (bytes32 digest) {
        bytes3 unit = currency;
        uint256 unitDecimals = _decimals;
        bytes32 domain = SNAPSHOT_DOMAIN;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, domain)
            mstore(add(m, 0x20), mload(add(l, 0x40))) // setId
            mstore(add(m, 0x40), mload(add(l, 0x60))) // epoch
            mstore(add(m, 0x60), mload(add(l, 0x80))) // prevCommitment
            mstore(add(m, 0x80), mload(l)) // commitment
            mstore(add(m, 0xa0), mload(add(l, 0xa0))) // asOf
            mstore(add(m, 0xc0), unit)
            mstore(add(m, 0xe0), unitDecimals)
            mstore(add(m, 0x100), mload(add(l, 0x20))) // fxTable
            mstore(add(m, 0x120), mload(add(l, 0xe0))) // allocations
            mstore(add(m, 0x140), mload(add(l, 0xc0))) // chunks
            if iszero(staticcall(gas(), 0x02, m, 0x160, 0x00, 0x20)) {
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

    /// @dev The calldata word at `o` (zeros past the end of calldata).
    function _word(uint256 o) private pure returns (uint256 v) {
        assembly ("memory-safe") {
            v := calldataload(o)
        }
    }

    /// @dev The `n` big-endian bytes at calldata offset `o` (n in 1..32).
    function _bytesAt(uint256 o, uint256 n) private pure returns (uint256 v) {
        assembly ("memory-safe") {
            v := shr(sub(256, shl(3, n)), calldataload(o))
        }
    }

    function _offset(bytes calldata b) private pure returns (uint256 o) {
        assembly ("memory-safe") {
            o := b.offset
        }
    }

    function _end(bytes calldata b) private pure returns (uint256) {
        return _offset(b) + b.length;
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
