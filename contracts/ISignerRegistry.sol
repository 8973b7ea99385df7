// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title ISignerRegistry
/// @notice The P-256 keys a token trusts: snapshot signers and FX sources, each known by
///         keyId = sha256(x || y), with the window of as-of times it may sign for.
interface ISignerRegistry {
    /// @notice What a key may sign. A key has one kind: a snapshot signer never counts as an
    ///         FX source, nor the other way round.
    enum KeyKind {
        SnapshotSigner,
        FxSource
    }

    /// @notice A key became trusted for messages dated `validFrom` or later.
    event KeyAdded(
        bytes32 indexed keyId,
        KeyKind indexed kind,
        uint256 x,
        uint256 y,
        string label,
        uint40 validFrom
    );
    /// @notice A key is no longer trusted for messages dated `effectiveAt` or later.
    event KeyRevoked(bytes32 indexed keyId, KeyKind indexed kind, uint40 effectiveAt);

    /// @notice The key id was never registered.
    error SignerRegistry__Unknown();
    /// @notice The key is already registered (a revoked key cannot be registered again).
    error SignerRegistry__AlreadyRegistered();
    /// @notice The key is already revoked at or before the requested time (no un-revoking).
    error SignerRegistry__AlreadyRevoked();
    /// @notice (x, y) is not a point of P-256 (coordinates >= p, the origin, or off the curve).
    error SignerRegistry__KeyNotOnCurve();
    /// @notice A revocation time of zero, or before the key's validFrom.
    error SignerRegistry__InvalidTime();

    /// @notice Registers a P-256 public key, trusted for messages dated `validFrom` or later.
    /// @param kind Snapshot signer or FX source.
    /// @param x Affine x coordinate.
    /// @param y Affine y coordinate.
    /// @param label Who holds the key (kept in the event and in storage; never read by a mint).
    /// @param validFrom First as-of time (unix seconds) the key may sign for.
    /// @return keyId sha256(x || y), both as 32-byte big-endian words.
    function add(
        KeyKind kind,
        uint256 x,
        uint256 y,
        string calldata label,
        uint40 validFrom
    ) external returns (bytes32 keyId);

    /// @notice Revokes a key for messages dated `effectiveAt` or later. May be backdated (a
    ///         compromise found late) and brought forward again, never pushed later, and never
    ///         before the key's validFrom.
    /// @param keyId The registered key id.
    /// @param effectiveAt First as-of time (unix seconds, > 0) the key is no longer trusted.
    function revoke(bytes32 keyId, uint40 effectiveAt) external;

    /// @notice Whether `keyId` is a key of `kind` trusted at `at`: registered,
    ///         validFrom <= at, and not revoked at `at` (revokedAt == 0 or at < revokedAt).
    ///         What a token calls (one storage slot); it takes the point from calldata and
    ///         binds it by keyId.
    function isTrusted(KeyKind kind, bytes32 keyId, uint40 at) external view returns (bool);

    /// @notice The stored record of a key.
    /// @return registered Whether it was ever registered.
    /// @return kind Its kind (SnapshotSigner when not registered).
    /// @return x Affine x.
    /// @return y Affine y.
    /// @return validFrom First trusted as-of time.
    /// @return revokedAt First untrusted as-of time, 0 when not revoked.
    /// @return label Its label.
    function keyOf(
        bytes32 keyId
    )
        external
        view
        returns (
            bool registered,
            KeyKind kind,
            uint256 x,
            uint256 y,
            uint40 validFrom,
            uint40 revokedAt,
            string memory label
        );
}
