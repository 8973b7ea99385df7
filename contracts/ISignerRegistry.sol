// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title ISignerRegistry
/// @notice What a token trusts: k-of-n signer sets (snapshot signers), known by
///         setId = sha256(abi.encodePacked(bytes32("zkattest.signerset.v2"), uint8 threshold,
///         keyId_0, ..., keyId_n-1)) with keyIds ascending, and FX sources, single P-256 keys
///         known by keyId = sha256(x || y). Each has the window of as-of times it may sign for.
/// @dev There is no key kind any more: a snapshot signer is always a member of a set (a single
///      signer is a 1-of-1 set), and the only single-key records are FX sources, so a set
///      member can never pass as an FX source nor the reverse.
interface ISignerRegistry {
    /// @notice A set member as registered: its P-256 point and who holds it.
    struct SignerKey {
        uint256 x;
        uint256 y;
        /// @dev e.g. "Custodian: Bank A"; kept for readers, never read by a mint.
        string label;
    }

    /// @notice A set member as readers see it.
    struct Member {
        bytes32 keyId;
        uint256 x;
        uint256 y;
        string label;
    }

    /// @notice A signer set's record, for readers (a token reads signerSetStatus instead).
    struct SignerSetView {
        bool registered;
        uint8 threshold;
        uint40 validFrom;
        /// @dev 0 when not revoked.
        uint40 revokedAt;
        uint64 firstEpoch;
        /// @dev Ascending by keyId.
        Member[] members;
    }

    /// @notice An FX source key became trusted for rate tables dated `validFrom` or later.
    event FxSourceAdded(bytes32 indexed keyId, uint256 x, uint256 y, string label, uint40 validFrom);
    /// @notice An FX source is no longer trusted for rate tables dated `effectiveAt` or later.
    event FxSourceRevoked(bytes32 indexed keyId, uint40 effectiveAt);
    /// @notice A signer set became trusted for snapshots dated `validFrom` or later; its epoch
    ///         chain starts at `firstEpoch`.
    event SignerSetAdded(
        bytes32 indexed setId,
        uint8 threshold,
        uint40 validFrom,
        uint64 firstEpoch,
        SignerKey[] signers
    );
    /// @notice A signer set is no longer trusted for snapshots dated `effectiveAt` or later.
    event SignerSetRevoked(bytes32 indexed setId, uint40 effectiveAt);
    /// @notice `token` now hears of every signer set revocation (ISignerSetSubscriber).
    event SubscriberAdded(address indexed token);

    /// @notice The key or set id was never registered.
    error SignerRegistry__Unknown();
    /// @notice The key or set is already registered (a revoked one cannot be registered again).
    error SignerRegistry__AlreadyRegistered();
    /// @notice Already revoked at or before the requested time (no un-revoking).
    error SignerRegistry__AlreadyRevoked();
    /// @notice (x, y) is not a point of P-256 (coordinates >= p, the origin, or off the curve).
    error SignerRegistry__KeyNotOnCurve();
    /// @notice A revocation time of zero, or before the validFrom.
    error SignerRegistry__InvalidTime();
    /// @notice A set of 0 or more than MAX_SIGNERS (8) members.
    error SignerRegistry__InvalidSize();
    /// @notice A threshold of 0 or above the number of members.
    error SignerRegistry__InvalidThreshold();
    /// @notice Members not strictly ascending by keyId (which also refuses a key named twice).
    error SignerRegistry__NotAscending();
    /// @notice The would-be subscriber has no code, or its registry() fails or names another
    ///         registry.
    error SignerRegistry__NotBoundToRegistry();
    /// @notice The token is already a subscriber.
    error SignerRegistry__AlreadySubscribed();
    /// @notice MAX_SUBSCRIBERS (32) tokens are subscribed already.
    error SignerRegistry__TooManySubscribers();

    /// @notice Registers an FX source key, trusted for rate tables dated `validFrom` or later.
    /// @param x Affine x coordinate.
    /// @param y Affine y coordinate.
    /// @param label Who holds the key (kept for readers; never read by a mint).
    /// @param validFrom First as-of time (unix seconds) the key may sign for.
    /// @return keyId sha256(x || y), both as 32-byte big-endian words.
    function addFxSource(
        uint256 x,
        uint256 y,
        string calldata label,
        uint40 validFrom
    ) external returns (bytes32 keyId);

    /// @notice Revokes an FX source for rate tables dated `effectiveAt` or later. May be
    ///         backdated (a compromise found late) and brought forward again, never pushed
    ///         later, and never before the key's validFrom.
    /// @param keyId The registered key id.
    /// @param effectiveAt First as-of time (unix seconds, > 0) the key is no longer trusted.
    function revokeFxSource(bytes32 keyId, uint40 effectiveAt) external;

    /// @notice Whether `keyId` is an FX source trusted at `at`: registered, validFrom <= at,
    ///         and not revoked at `at`. One storage slot.
    function isFxSourceTrusted(bytes32 keyId, uint40 at) external view returns (bool);

    /// @notice The stored record of an FX source.
    /// @return registered Whether it was ever registered.
    /// @return x Affine x.
    /// @return y Affine y.
    /// @return validFrom First trusted as-of time.
    /// @return revokedAt First untrusted as-of time, 0 when not revoked.
    /// @return label Its label.
    function fxSourceOf(
        bytes32 keyId
    )
        external
        view
        returns (
            bool registered,
            uint256 x,
            uint256 y,
            uint40 validFrom,
            uint40 revokedAt,
            string memory label
        );

    /// @notice Registers a k-of-n signer set, trusted for snapshots dated `validFrom` or later.
    /// @param threshold k, 1..n.
    /// @param signers The n members (1..8), strictly ascending by keyId = sha256(x || y), each
    ///        a point of P-256.
    /// @param validFrom First as-of time (unix seconds) the set may sign for.
    /// @param firstEpoch The epoch its chain starts at (a successor set continues its
    ///        predecessor's numbering; 0 for a new chain).
    /// @return setId The set's id (see the title), as computed off-chain by signerSetId.
    function addSignerSet(
        uint8 threshold,
        SignerKey[] calldata signers,
        uint40 validFrom,
        uint64 firstEpoch
    ) external returns (bytes32 setId);

    /// @notice Revokes a set for snapshots dated `effectiveAt` or later (retiring one signer
    ///         means revoking its set and registering the successor). Same rules as an FX
    ///         source: backdating allowed, never pushed later, never before validFrom.
    ///         Every subscriber hears of it in the same transaction (signerSetRevoked); a
    ///         subscriber's revert reverts the revocation, so it reaches every subscribed
    ///         token or none.
    /// @param setId The registered set id.
    /// @param effectiveAt First as-of time (unix seconds, > 0) the set is no longer trusted.
    function revokeSignerSet(bytes32 setId, uint40 effectiveAt) external;

    /// @notice What a token reads (one storage slot): whether the set is trusted at `at`
    ///         (registered, validFrom <= at, not revoked at `at`) and where its chain starts.
    ///         The threshold and keys need no read: the token recomputes setId from them.
    /// @return trusted Whether the set may sign a snapshot dated `at`.
    /// @return firstEpoch The set's first epoch (0 when not registered).
    function signerSetStatus(
        bytes32 setId,
        uint40 at
    ) external view returns (bool trusted, uint64 firstEpoch);

    /// @notice A set's full record with its members' keys and labels, for readers.
    function signerSetOf(bytes32 setId) external view returns (SignerSetView memory);

    /// @notice Subscribes a token to set revocations (owner only): revokeSignerSet then calls
    ///         its signerSetRevoked, which lets the token cache a set's trust from its first
    ///         link instead of reading the registry on every post (POSTSPEC §4). The token must
    ///         be a contract whose registry() is this registry; at most MAX_SUBSCRIBERS (32),
    ///         which bounds a revocation's gas.
    /// @dev There is no removal: a token that stopped hearing revocations would go on trusting
    ///      a set revoked after that, on the trust it cached. A subscriber is kept for good, so
    ///      its hook must accept every call from its registry (paused or not), or no set could
    ///      be revoked any more.
    /// @param token The ISignerSetSubscriber to call on each signer set revocation.
    function addSubscriber(address token) external;

    /// @notice Whether `token` hears of signer set revocations (a token checks itself at a
    ///         set's first link before caching its trust).
    function isSubscriber(address token) external view returns (bool);

    /// @notice Every subscriber, in the order they were added.
    function subscribers() external view returns (address[] memory);
}
