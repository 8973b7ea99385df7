// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title IProofGatedToken
/// @notice An RWA token whose supply never exceeds the capacity a custodian's signed,
///         zero-knowledge-proven collateral snapshot covers.
interface IProofGatedToken {
    /// @notice Tokens were minted against a coverage proof.
    /// @param to Receiver.
    /// @param amount Minted amount (token base units).
    /// @param commitment The snapshot commitment the proof opens.
    /// @param attestor Poseidon hash of the attestor key that signed the snapshot.
    /// @param asOf The snapshot time (unix seconds).
    /// @param capacity The supply the proof covers (the snapshot's liabilities, base units).
    event MintedWithProof(
        address indexed to,
        uint256 amount,
        uint256 indexed commitment,
        uint256 indexed attestor,
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
    /// @notice The attestor key is not trusted at the snapshot's as-of time.
    error ProofGatedToken__UntrustedAttestor();
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

    /// @notice Mints `amount` to `to` against a coverage proof bound to this token.
    /// @param to Receiver.
    /// @param amount Amount in token base units (= the snapshot currency's minor units).
    /// @param pA Proof point A.
    /// @param pB Proof point B, G2 coordinates in EVM order (imaginary part first).
    /// @param pC Proof point C.
    /// @param pubSignals [commitment, attestor, statement].
    function mintWithProof(
        address to,
        uint256 amount,
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[3] calldata pubSignals
    ) external;

    /// @notice Burns `amount` of the caller's tokens (redemption).
    /// @param amount Amount in base units.
    function redeem(uint256 amount) external;

    /// @notice Stops minting, redemptions and transfers.
    function pause() external;

    /// @notice Resumes minting, redemptions and transfers.
    function unpause() external;

    /// @notice The 128-bit context a proof must carry to mint here:
    ///         uint256(keccak256(abi.encode(chainid, address(this), keccak256("zkattest.mint.v1")))) >> 128.
    /// @return The binding.
    function contextBinding() external view returns (uint256);

    /// @notice The newest snapshot time a mint has used (later mints may not go back).
    /// @return Unix seconds, 0 before the first mint.
    function lastAsOf() external view returns (uint40);
}
