// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title IProofGatedToken
/// @notice An RWA token in one unit (ISO 4217 currency, decimals) whose supply never exceeds
///         the capacity a signed, zero-knowledge-proven collateral snapshot covers.
interface IProofGatedToken {
    /// @notice A Groth16 proof, B's G2 coordinates in EVM order (imaginary part first).
    struct Groth16Proof {
        uint256[2] pA;
        uint256[2][2] pB;
        uint256[2] pC;
    }

    /// @notice The signed snapshot fields a mint does not take from the proof or the token
    ///         (commitment and fxTable are public signals; currency and decimals are the token's).
    struct SnapshotFields {
        bytes32 setId;
        uint64 epoch;
        bytes32 prevCommitment;
        uint40 asOf;
        bytes32 allocations;
        uint16 chunks;
    }

    /// @notice One member's snapshot signature: its index in SignerSetProof.keyIds, its public
    ///         key (x, y) and ECDSA P-256 (r, s), low-s. The key travels in calldata and is
    ///         bound by keyIds[index] = sha256(x || y): 64 bytes of calldata cost less than
    ///         two cold storage reads.
    struct Sig {
        uint8 index;
        uint256 x;
        uint256 y;
        uint256 r;
        uint256 s;
    }

    /// @notice Which set signed and how: setId is recomputed from (threshold, keyIds), so the
    ///         registry check needs no member reads. sigs: at least `threshold` of them, with
    ///         strictly increasing indices (k distinct members); every one must verify.
    struct SignerSetProof {
        uint8 threshold;
        bytes32[] keyIds;
        Sig[] sigs;
    }

    /// @notice One row of a snapshot's allocation table (src/common/allocations.ts): the share
    ///         of the proven capacity a deployment (chain id, token) may mint. The signed
    ///         snapshot field `allocations` is sha256(abi.encode(bytes32 "zkattest.allocations.v2",
    ///         rows)), rows strictly ascending by (chainId, token).
    struct AllocationRow {
        uint256 chainId;
        address token;
        uint64 amount;
    }

    /// @notice The capacity posted by postProof for plain mints (one slot).
    /// @dev share 0 means none: never posted, or superseded (the posted set's chain head moved).
    struct Posted {
        /// @dev The supply this token may reach: its allocation row, or the whole capacity.
        uint64 share;
        /// @dev Last second a mint may use it: the snapshot's asOf + maxSnapshotAge.
        uint40 expiry;
        /// @dev The posted snapshot's epoch.
        uint64 epoch;
        /// @dev The low 80 bits of the posted snapshot's setId (a collision only ever clears
        ///      a share early, never keeps a superseded one).
        uint80 setTag;
    }

    /// @notice A signer set's epoch chain head: the last snapshot this token accepted for it.
    /// @dev Three slots: digest, commitment, and (epoch, asOf, started) packed.
    struct ChainHead {
        /// @dev sha256 of the snapshot message (its identity: a second message for the same
        ///      epoch is equivocation).
        bytes32 digest;
        /// @dev The snapshot's commitment: the next epoch's prevCommitment must be this.
        uint256 commitment;
        uint64 epoch;
        uint40 asOf;
        /// @dev False until the first link (epoch 0 is a real epoch).
        bool started;
    }

    /// @notice The FX source's key and signature over the rate table, as above (all zero when
    ///         the table is the token's identity table).
    struct FxAttestation {
        uint256 x;
        uint256 y;
        uint40 asOf;
        uint256 r;
        uint256 s;
    }

    /// @notice Tokens were minted against a coverage proof.
    /// @param to Receiver.
    /// @param amount Minted amount (token base units).
    /// @param commitment The snapshot commitment the proof opens.
    /// @param setId The signer set that signed the snapshot.
    /// @param epoch The snapshot's epoch in that set's chain.
    /// @param asOf The snapshot time (unix seconds).
    /// @param capacity The supply the proof covers (the snapshot's liabilities, base units).
    event MintedWithProof(
        address indexed to,
        uint256 amount,
        uint256 indexed commitment,
        bytes32 indexed setId,
        uint64 epoch,
        uint40 asOf,
        uint64 capacity
    );
    /// @notice A set's chain head moved to a new snapshot (by a mint or advanceChain).
    /// @param setId The signer set.
    /// @param epoch The new head epoch.
    /// @param digest sha256 of the snapshot message.
    /// @param commitment The snapshot commitment.
    /// @param asOf The snapshot time (unix seconds).
    event ChainAdvanced(
        bytes32 indexed setId,
        uint64 indexed epoch,
        bytes32 digest,
        uint256 commitment,
        uint40 asOf
    );
    /// @notice A proof was posted: plain mints may take the supply up to `share` until `expiry`.
    /// @param setId The signer set that signed the snapshot.
    /// @param epoch The snapshot's epoch.
    /// @param commitment The snapshot commitment.
    /// @param share This token's share of the capacity (its allocation row, or the capacity).
    /// @param expiry The last second a plain mint may use it.
    /// @param digest sha256 of the snapshot message, now the set's chain head: a head that
    ///        postProof moves is announced by this event alone (no ChainAdvanced).
    event ProofPosted(
        bytes32 indexed setId,
        uint64 indexed epoch,
        uint256 commitment,
        uint64 share,
        uint40 expiry,
        bytes32 digest
    );
    /// @notice A holder burned its own tokens to redeem them off-chain.
    event Redeemed(address indexed holder, uint256 amount);

    /// @notice A public signal is not below the BN254 scalar field modulus r.
    error ProofGatedToken__SignalOutOfField();
    /// @notice The Groth16 proof does not verify.
    error ProofGatedToken__InvalidProof();
    /// @notice The proof is bound to another chain or contract (see contextBinding()).
    error ProofGatedToken__WrongContext();
    /// @notice The snapshot is older than maxSnapshotAge or more than 300 s in the future.
    error ProofGatedToken__StaleSnapshot();
    /// @notice An epoch below the set's chain head (or below its first epoch), or the next
    ///         epoch with an as-of time earlier than the head's.
    error ProofGatedToken__EpochRollback();
    /// @notice An epoch beyond head + 1 (or beyond the first epoch while the chain is empty):
    ///         the missing links must be posted first (advanceChain).
    error ProofGatedToken__EpochGap();
    /// @notice The next epoch's prevCommitment is not the head's commitment.
    error ProofGatedToken__BrokenLink();
    /// @notice Another snapshot message is already recorded for this epoch of the set.
    error ProofGatedToken__Equivocation();
    /// @notice Fewer signatures than the threshold (or a threshold of 0).
    error ProofGatedToken__ThresholdNotMet();
    /// @notice A signature's index is outside keyIds, or its key is not keyIds[index].
    error ProofGatedToken__SignerNotInSet();
    /// @notice Signature indices not strictly increasing: one member counted twice.
    error ProofGatedToken__DuplicateSigner();
    /// @notice The proven coverage ratio is below requiredRatioBps.
    error ProofGatedToken__RatioTooLow();
    /// @notice The mint would take the supply beyond the proven capacity.
    error ProofGatedToken__OverCapacity();
    /// @notice Minting zero tokens.
    error ProofGatedToken__ZeroAmount();
    /// @notice A constructor argument is out of range.
    error ProofGatedToken__InvalidConfig();
    /// @notice The snapshot is chunked (a large book: postLargeProof takes it) and came to
    ///         mintWithProof or postProof.
    error ProofGatedToken__UnsupportedSnapshot();
    /// @notice setId is not the id of (threshold, keyIds) in the signer set proof.
    error ProofGatedToken__WrongSignerSet();
    /// @notice r or s outside [1, n-1], or s > n/2 (high-s: every signature has one encoding).
    error ProofGatedToken__SignatureMalformed();
    /// @notice The signer set is not trusted at the snapshot's as-of time (unknown, not yet
    ///         valid, or revoked).
    error ProofGatedToken__UntrustedSignerSet();
    /// @notice A snapshot signature does not verify over the rebuilt message.
    error ProofGatedToken__InvalidSignature();
    /// @notice The proof converts with a rate table other than the identity one, and no FX
    ///         source signature came with it.
    error ProofGatedToken__FxSignatureMissing();
    /// @notice The FX key is not an FX source trusted at the rate table's as-of time.
    error ProofGatedToken__UntrustedFxSource();
    /// @notice The rate table is older than maxFxAge or more than 300 s in the future.
    error ProofGatedToken__StaleFx();
    /// @notice The FX source's signature does not verify over the rebuilt message.
    error ProofGatedToken__InvalidFxSignature();

    /// @notice The allocation rows do not hash to the snapshot's `allocations`, are not strictly
    ///         ascending by (chainId, token), or come with a snapshot without allocations.
    error ProofGatedToken__AllocationsMismatch();
    /// @notice The allocation amounts sum to more than the proven capacity.
    error ProofGatedToken__AllocationsOverCapacity();
    /// @notice The allocation table has no row for this chain id and this token.
    error ProofGatedToken__NoAllocation();
    /// @notice No posted share to mint against: none posted, or the posted snapshot is no
    ///         longer its set's chain head (a newer link was accepted).
    error ProofGatedToken__NotPosted();
    /// @notice The posted snapshot is older than maxSnapshotAge now.
    error ProofGatedToken__PostExpired();
    /// @notice Another signer set's live posted snapshot expires later than this one.
    error ProofGatedToken__StalerThanPosted();
    /// @notice A large book's chunk chain is broken: not 2..128 chunks (a power of two), not
    ///         the signed `chunks`, chunk 0's accIn is not START, a chunk's accIn is not the
    ///         previous accOut, or the last accOut is not the final proof's chunkSet.
    error ProofGatedToken__ChunkChainBroken();
    /// @notice A chunk proof's commitment or fxTable is not the final proof's.
    error ProofGatedToken__ChunkMismatch();

    /// @notice Mints `amount` to `to` against a coverage proof bound to this token, in its unit.
    /// @param to Receiver.
    /// @param amount Amount in token base units.
    /// @param proof The Groth16 proof.
    /// @param pubSignals [commitment, statement, fxTable].
    ///      The snapshot must be on the set's chain head (same message) or the next link.
    /// @param snapshot The signed snapshot fields.
    /// @param signers k of the set's members' signatures.
    /// @param fx The FX source's signature; ignored when fxTable is the token's identity table.
    /// @param allocations The snapshot's allocation table (empty when its `allocations` is 0):
    ///        the proof's context is then the table's, and the capacity is this token's row.
    function mintWithProof(
        address to,
        uint256 amount,
        Groth16Proof calldata proof,
        uint256[3] calldata pubSignals,
        SnapshotFields calldata snapshot,
        SignerSetProof calldata signers,
        FxAttestation calldata fx,
        AllocationRow[] calldata allocations
    ) external;

    /// @notice Posts a proof for plain mints; PERMISSIONLESS (the proof and the signatures are
    ///         the authority, so anyone may relay a package). All of mintWithProof's checks;
    ///         then this token's share (its allocation row, or the whole capacity) and its
    ///         expiry (asOf + maxSnapshotAge) become the posted capacity, and the set's chain
    ///         head moves to the snapshot when it is the next link. Posting the posted snapshot
    ///         again is a no-op success (a relay may repeat itself).
    /// @return share This token's share of the proven capacity.
    function postProof(
        Groth16Proof calldata proof,
        uint256[3] calldata pubSignals,
        SnapshotFields calldata snapshot,
        SignerSetProof calldata signers,
        FxAttestation calldata fx,
        AllocationRow[] calldata allocations
    ) external returns (uint64 share);

    /// @notice postProof for a large book (LARGESPEC section 8): C chunk proofs (chunk-32) and a
    ///         coverage-4096 final proof, all checked with ONE pairing call (random linear
    ///         combination derived on-chain from every proof and public input). The chunk chain
    ///         is checked first: every chunk's commitment and fxTable are the final's, chunk
    ///         0's accIn is START, each accIn is the previous accOut, the last accOut is
    ///         chunkSet, and the signed message says chunks = C (C in 2, 4, ..., 128). Then
    ///         postProof's checks and effects, over the final's commitment, statement, fxTable.
    /// @param proofs The C chunk proofs in chunk order, then the final proof, each
    ///        [A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y].
    /// @param signals One row per proof: chunk k [commitment, fxTable, accIn, accOut], the
    ///        final [commitment, statement, fxTable, chunkSet].
    /// @return share This token's share of the proven capacity.
    function postLargeProof(
        uint256[8][] calldata proofs,
        uint256[4][] calldata signals,
        SnapshotFields calldata snapshot,
        SignerSetProof calldata signers,
        FxAttestation calldata fx,
        AllocationRow[] calldata allocations
    ) external returns (uint64 share);

    /// @notice Mints against the posted share (MINTER_ROLE): the supply after the mint stays
    ///         within it, the posted snapshot is not expired and still its set's chain head.
    function mint(address to, uint256 amount) external;

    /// @notice The posted capacity (share 0: none).
    function posted() external view returns (Posted memory);

    /// @notice The 128-bit context of a proof split across deployments:
    ///         uint256(sha256(abi.encode(bytes32 "zkattest.alloc-context.v2", allocations))) >> 128.
    function allocationContext(bytes32 allocations) external pure returns (uint256);

    /// @notice Moves a set's chain head to the next signed snapshot without minting: anyone
    ///         may post the links a mint needs after a gap (snapshots proved elsewhere, or
    ///         never claimed here). The same message as the head is a no-op. No freshness
    ///         rule and no proof: the set's signatures make the link; the snapshot message is
    ///         rebuilt in this token's unit.
    /// @param snapshot The signed snapshot fields.
    /// @param commitment The snapshot's commitment (the proof's public signal).
    /// @param fxTable The snapshot's rate table hash (the proof's public signal).
    /// @param signers k of the set's members' signatures.
    function advanceChain(
        SnapshotFields calldata snapshot,
        uint256 commitment,
        uint256 fxTable,
        SignerSetProof calldata signers
    ) external;

    /// @notice A signer set's chain head (all zero, started false, before its first link).
    function chainHead(bytes32 setId) external view returns (ChainHead memory);

    /// @notice Burns `amount` of the caller's tokens (redemption).
    function redeem(uint256 amount) external;

    /// @notice Stops minting, redemptions and transfers.
    function pause() external;

    /// @notice Resumes minting, redemptions and transfers.
    function unpause() external;

    /// @notice The 128-bit context a proof must carry to mint here:
    ///         uint256(keccak256(abi.encode(chainid, address(this), keccak256("zkattest.mint.v1")))) >> 128.
    function contextBinding() external view returns (uint256);
}
