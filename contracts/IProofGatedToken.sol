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

    /// @notice A snapshot signature: the signer's public key (x, y) and ECDSA P-256 (r, s),
    ///         low-s. The key travels in calldata and its keyId = sha256(x || y) is what the
    ///         registry trusts: 64 bytes of calldata cost less than two cold storage reads.
    struct SnapshotSignature {
        uint256 x;
        uint256 y;
        uint256 r;
        uint256 s;
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
    /// @param signerKeyId The key that signed the snapshot.
    /// @param asOf The snapshot time (unix seconds).
    /// @param capacity The supply the proof covers (the snapshot's liabilities, base units).
    event MintedWithProof(
        address indexed to,
        uint256 amount,
        uint256 indexed commitment,
        bytes32 indexed signerKeyId,
        uint40 asOf,
        uint64 capacity
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
    /// @notice The snapshot is older than one already used for a mint.
    error ProofGatedToken__SnapshotRollback();
    /// @notice The proven coverage ratio is below requiredRatioBps.
    error ProofGatedToken__RatioTooLow();
    /// @notice The mint would take the supply beyond the proven capacity.
    error ProofGatedToken__OverCapacity();
    /// @notice Minting zero tokens.
    error ProofGatedToken__ZeroAmount();
    /// @notice A constructor argument is out of range.
    error ProofGatedToken__InvalidConfig();
    /// @notice The snapshot allocates its capacity across chains or is chunked: this token
    ///         takes only single-circuit, unallocated snapshots.
    error ProofGatedToken__UnsupportedSnapshot();
    /// @notice setId is not the 1-of-1 signer set of the signing key.
    error ProofGatedToken__WrongSignerSet();
    /// @notice r or s outside [1, n-1], or s > n/2 (high-s: every signature has one encoding).
    error ProofGatedToken__SignatureMalformed();
    /// @notice The snapshot key is not a snapshot signer trusted at the snapshot's as-of time.
    error ProofGatedToken__UntrustedSigner();
    /// @notice The snapshot signature does not verify over the rebuilt message.
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

    /// @notice Mints `amount` to `to` against a coverage proof bound to this token, in its unit.
    /// @param to Receiver.
    /// @param amount Amount in token base units.
    /// @param proof The Groth16 proof.
    /// @param pubSignals [commitment, statement, fxTable].
    /// @param snapshot The signed snapshot fields.
    /// @param signature The snapshot signer's signature.
    /// @param fx The FX source's signature; ignored when fxTable is the token's identity table.
    function mintWithProof(
        address to,
        uint256 amount,
        Groth16Proof calldata proof,
        uint256[3] calldata pubSignals,
        SnapshotFields calldata snapshot,
        SnapshotSignature calldata signature,
        FxAttestation calldata fx
    ) external;

    /// @notice Burns `amount` of the caller's tokens (redemption).
    function redeem(uint256 amount) external;

    /// @notice Stops minting, redemptions and transfers.
    function pause() external;

    /// @notice Resumes minting, redemptions and transfers.
    function unpause() external;

    /// @notice The 128-bit context a proof must carry to mint here:
    ///         uint256(keccak256(abi.encode(chainid, address(this), keccak256("zkattest.mint.v1")))) >> 128.
    function contextBinding() external view returns (uint256);

    /// @notice The newest snapshot time a mint has used (later mints may not go back).
    /// @return Unix seconds, 0 before the first mint.
    function lastAsOf() external view returns (uint40);
}
