// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title IAttestorRegistry
/// @notice The attestor keys (Poseidon hashes of Baby Jubjub keys) a token trusts, each with
///         the window of snapshot times it may sign for.
interface IAttestorRegistry {
    /// @notice An attestor key became trusted for snapshots dated `validFrom` or later.
    event AttestorAdded(uint256 indexed keyHash, uint40 validFrom);
    /// @notice An attestor key is no longer trusted for snapshots dated `effectiveAt` or later.
    event AttestorRevoked(uint256 indexed keyHash, uint40 effectiveAt);

    /// @notice The key hash was never registered.
    error AttestorRegistry__Unknown();
    /// @notice The key hash is already registered (a revoked key cannot be registered again).
    error AttestorRegistry__AlreadyRegistered();
    /// @notice The key is already revoked at or before the requested time.
    error AttestorRegistry__AlreadyRevoked();
    /// @notice The key hash is zero or not a BN254 scalar field element.
    error AttestorRegistry__InvalidKeyHash();
    /// @notice A time of zero (zero means "not revoked" in storage).
    error AttestorRegistry__InvalidTime();

    /// @notice Registers an attestor key, trusted for snapshots dated `validFrom` or later.
    /// @param keyHash Poseidon hash of the attestor's public key (the proof's `attestor` signal).
    /// @param validFrom First snapshot time (unix seconds) the key may attest.
    function add(uint256 keyHash, uint40 validFrom) external;

    /// @notice Revokes a key for snapshots dated `effectiveAt` or later. May be backdated (a
    ///         compromise found late) and brought forward again, never pushed later.
    /// @param keyHash The registered key hash.
    /// @param effectiveAt First snapshot time (unix seconds, > 0) the key is no longer trusted.
    function revoke(uint256 keyHash, uint40 effectiveAt) external;

    /// @notice Whether `keyHash` may attest a snapshot dated `asOf`: registered,
    ///         validFrom <= asOf, and not revoked at asOf (revokedAt == 0 or asOf < revokedAt).
    /// @param keyHash The proof's `attestor` signal.
    /// @param asOf The snapshot time (unix seconds).
    /// @return True when trusted.
    function isTrusted(uint256 keyHash, uint40 asOf) external view returns (bool);

    /// @notice The stored record of a key.
    /// @param keyHash The key hash.
    /// @return registered Whether it was ever registered.
    /// @return validFrom First trusted snapshot time.
    /// @return revokedAt First untrusted snapshot time, 0 when not revoked.
    function attestor(
        uint256 keyHash
    ) external view returns (bool registered, uint40 validFrom, uint40 revokedAt);
}
