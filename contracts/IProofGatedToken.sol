// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title IProofGatedToken
/// @notice An RWA token in one unit (ISO 4217 currency, decimals) whose supply never exceeds
///         the capacity a signed, zero-knowledge-proven collateral snapshot covers.
interface IProofGatedToken {
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
    /// @notice A proof was posted: plain mints may take the supply up to the posted share
    ///         (posted(): not repeated here, 256 gas a post) until asOf + maxSnapshotAge.
    /// @param setId The signer set that signed the snapshot.
    /// @param epoch The snapshot's epoch.
    /// @param commitment The snapshot commitment.
    /// @param asOf The snapshot time (unix seconds).
    /// @param digest sha256 of the snapshot message, now the set's chain head: a head that
    ///        postProof moves is announced by this event alone (no ChainAdvanced). With
    ///        ChainAdvanced, the events readers take a head witness from (POSTSPEC section 1).
    event ProofPosted(
        bytes32 indexed setId,
        uint64 epoch,
        uint256 commitment,
        uint40 asOf,
        bytes32 digest
    );
    /// @notice The registry pushed a revocation of a signer set (POSTSPEC section 4): its
    ///         snapshots dated `revokedAt` or later are refused from now on.
    event SignerSetRevocationReceived(bytes32 indexed setId, uint40 revokedAt);
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

    /// @notice The allocation rows are not strictly ascending by (chainId, token), or are not
    ///         the table the proof is bound to (its context is not their hash's).
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
    /// @notice The packed calldata breaks POSTSPEC section 2 or 3 (length, a reserved flag bit,
    ///         a member or signature count out of range, a witness kind that cannot apply).
    error ProofGatedToken__MalformedCalldata();
    /// @notice The head witness is not the set's chain head here (the head moved since the
    ///         caller read it, or the set has a head and none was given): read it again.
    error ProofGatedToken__StaleHead();
    /// @notice The set's first link on a token the registry does not push revocations to.
    error ProofGatedToken__NotSubscribed();
    /// @notice signerSetRevoked called by another account than the token's registry.
    error ProofGatedToken__NotRegistry();

    /// @notice Mints `amount` to `to` against a coverage proof bound to this token, in its unit.
    ///         The snapshot must be on the set's chain head (same message) or the next link.
    /// @param to Receiver.
    /// @param amount Amount in token base units.
    /// @param p proof (256 bytes) || commitment || statement || link, packed as POSTSPEC
    ///        section 2 says: the proof, the signed snapshot, k of the set's members'
    ///        signatures, the head witness, the FX source's signature when the rate table is
    ///        not the identity one, and the allocation rows when the capacity is split.
    function mintWithProof(address to, uint256 amount, bytes calldata p) external;

    /// @notice Posts a proof for plain mints; PERMISSIONLESS (the proof and the signatures are
    ///         the authority, so anyone may relay a package). All of mintWithProof's checks;
    ///         then this token's share (its allocation row, or the whole capacity) and its
    ///         expiry (asOf + maxSnapshotAge) become the posted capacity, and the set's chain
    ///         head moves to the snapshot when it is the next link. Posting the posted snapshot
    ///         again is a no-op success (a relay may repeat itself).
    /// @param p As mintWithProof's.
    /// @return share This token's share of the proven capacity.
    function postProof(bytes calldata p) external returns (uint64 share);

    /// @notice postProof for relayers, ~1,100 gas cheaper, same checks and effects: its
    ///         selector (0x000000c9, mined, as Seaport's fulfillBasicOrder_efficient_6GL6yc) is
    ///         the one solc's via-IR dispatcher tests first (it compares the selector with
    ///         every function's in ascending order; postProof's 0xe0e14a85 comes 38th, ~700 gas
    ///         of comparisons), and `p` is the calldata after the selector as is: no ABI offset
    ///         and length words (~300 gas of mostly zero bytes and their checks).
    function postProof_efficient_2cWrca() external returns (uint64 share);

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
    /// @param link The packed link (POSTSPEC section 2); its fxTable must be the final's.
    /// @return share This token's share of the proven capacity.
    function postLargeProof(
        uint256[8][] calldata proofs,
        uint256[4][] calldata signals,
        bytes calldata link
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
    /// @param p The snapshot's commitment (32 bytes) || link (POSTSPEC section 2).
    function advanceChain(bytes calldata p) external;

    /// @notice A signer set's chain head word (POSTSPEC section 1): 0 before its first link,
    ///         else keccak256(abi.encode(digest, commitment, uint64 epoch, uint40 asOf)) with
    ///         bit 0 the pushed-revocation flag.
    function chainHead(bytes32 setId) external view returns (bytes32);

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
