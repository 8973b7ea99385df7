// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ISignerRegistry} from "./ISignerRegistry.sol";
import {ISignerSetSubscriber} from "./ISignerSetSubscriber.sol";

/// @title SignerRegistry
/// @notice The owner's list of trusted signer sets (k of n P-256 keys that sign snapshots) and
///         FX sources (single P-256 keys that sign rate tables).
/// @dev Gas: a set's trust window, threshold and first epoch share one slot, and so do an FX
///      source's, so a token's signerSetStatus / isFxSourceTrusted read one slot each. Points
///      and labels are stored too (for readers of the chain), never read by a mint. Set
///      revocations are pushed to subscribed tokens (POSTSPEC §4), so a token reads a set's
///      status only at its first link.
contract SignerRegistry is ISignerRegistry, Ownable {
    /// @notice The most members a set may have (bounds a mint's calldata and precompile calls).
    uint256 public constant MAX_SIGNERS = 8;
    /// @notice The most subscribers (bounds a revocation's gas: one call each).
    uint256 public constant MAX_SUBSCRIBERS = 32;

    bytes32 private constant SIGNER_SET_DOMAIN = bytes32("zkattest.signerset.v2");
    /// @dev P-256 field prime p and curve coefficient b (a = p - 3).
    uint256 private constant P =
        0xffffffff00000001000000000000000000000000ffffffffffffffffffffffff;
    uint256 private constant B =
        0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b;

    /// @dev One slot: what isFxSourceTrusted reads.
    struct FxRecord {
        bool registered;
        uint40 validFrom;
        uint40 revokedAt; // 0: not revoked
    }

    /// @dev One slot (1 + 1 + 5 + 5 + 8 bytes): what signerSetStatus reads.
    struct SetRecord {
        bool registered;
        uint8 threshold;
        uint40 validFrom;
        uint40 revokedAt; // 0: not revoked
        uint64 firstEpoch;
    }

    mapping(bytes32 keyId => FxRecord) private _fx;
    mapping(bytes32 keyId => Member) private _fxKeys;
    mapping(bytes32 setId => SetRecord) private _sets;
    mapping(bytes32 setId => Member[]) private _members;
    address[] private _subscribers;
    mapping(address token => bool) private _subscribed;

    /// @notice Creates an empty registry.
    /// @param initialOwner The account allowed to add and revoke sets and FX sources.
    constructor(address initialOwner) Ownable(initialOwner) {}

    /// @inheritdoc ISignerRegistry
    function addFxSource(
        uint256 x,
        uint256 y,
        string calldata label,
        uint40 validFrom
    ) external onlyOwner returns (bytes32 keyId) {
        if (!_onCurve(x, y)) revert SignerRegistry__KeyNotOnCurve();
        keyId = sha256(abi.encodePacked(x, y));
        FxRecord storage r = _fx[keyId];
        if (r.registered) revert SignerRegistry__AlreadyRegistered();
        r.registered = true;
        r.validFrom = validFrom;
        _fxKeys[keyId] = Member(keyId, x, y, label);
        emit FxSourceAdded(keyId, x, y, label, validFrom);
    }

    /// @inheritdoc ISignerRegistry
    function revokeFxSource(bytes32 keyId, uint40 effectiveAt) external onlyOwner {
        FxRecord storage r = _fx[keyId];
        if (!r.registered) revert SignerRegistry__Unknown();
        r.revokedAt = _revocation(r.validFrom, r.revokedAt, effectiveAt);
        emit FxSourceRevoked(keyId, effectiveAt);
    }

    /// @inheritdoc ISignerRegistry
    function isFxSourceTrusted(bytes32 keyId, uint40 at) external view returns (bool) {
        FxRecord memory r = _fx[keyId];
        return r.registered && _within(r.validFrom, r.revokedAt, at);
    }

    /// @inheritdoc ISignerRegistry
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
        )
    {
        FxRecord memory r = _fx[keyId];
        Member storage k = _fxKeys[keyId];
        return (r.registered, k.x, k.y, r.validFrom, r.revokedAt, k.label);
    }

    /// @inheritdoc ISignerRegistry
    function addSignerSet(
        uint8 threshold,
        SignerKey[] calldata signers,
        uint40 validFrom,
        uint64 firstEpoch
    ) external onlyOwner returns (bytes32 setId) {
        uint256 n = signers.length;
        if (n == 0 || n > MAX_SIGNERS) revert SignerRegistry__InvalidSize();
        if (threshold == 0 || threshold > n) revert SignerRegistry__InvalidThreshold();
        bytes32[] memory keyIds = new bytes32[](n);
        for (uint256 i = 0; i < n; i++) {
            SignerKey calldata k = signers[i];
            if (!_onCurve(k.x, k.y)) revert SignerRegistry__KeyNotOnCurve();
            keyIds[i] = sha256(abi.encodePacked(k.x, k.y));
            if (i > 0 && keyIds[i] <= keyIds[i - 1]) revert SignerRegistry__NotAscending();
        }
        // bytes32[] packs as the keys' concatenation: the same bytes as off-chain signerSetId.
        setId = sha256(abi.encodePacked(SIGNER_SET_DOMAIN, threshold, keyIds));
        SetRecord storage r = _sets[setId];
        if (r.registered) revert SignerRegistry__AlreadyRegistered();
        _sets[setId] = SetRecord({
            registered: true,
            threshold: threshold,
            validFrom: validFrom,
            revokedAt: 0,
            firstEpoch: firstEpoch
        });
        Member[] storage members = _members[setId];
        for (uint256 i = 0; i < n; i++) {
            members.push(Member(keyIds[i], signers[i].x, signers[i].y, signers[i].label));
        }
        emit SignerSetAdded(setId, threshold, validFrom, firstEpoch, signers);
    }

    /// @inheritdoc ISignerRegistry
    function revokeSignerSet(bytes32 setId, uint40 effectiveAt) external onlyOwner {
        SetRecord storage r = _sets[setId];
        if (!r.registered) revert SignerRegistry__Unknown();
        uint40 revokedAt = _revocation(r.validFrom, r.revokedAt, effectiveAt);
        r.revokedAt = revokedAt;
        emit SignerSetRevoked(setId, revokedAt);
        // Plain calls: a subscriber's revert bubbles up, so no token is left trusting the set
        // while the registry says it is revoked. The record is written first (a subscriber
        // reading signerSetStatus back sees the revocation).
        uint256 n = _subscribers.length;
        for (uint256 i = 0; i < n; i++) {
            ISignerSetSubscriber(_subscribers[i]).signerSetRevoked(setId, revokedAt);
        }
    }

    /// @inheritdoc ISignerRegistry
    function signerSetStatus(
        bytes32 setId,
        uint40 at
    ) external view returns (bool trusted, uint64 firstEpoch) {
        SetRecord memory r = _sets[setId];
        return (r.registered && _within(r.validFrom, r.revokedAt, at), r.firstEpoch);
    }

    /// @inheritdoc ISignerRegistry
    function signerSetOf(bytes32 setId) external view returns (SignerSetView memory v) {
        SetRecord memory r = _sets[setId];
        v.registered = r.registered;
        v.threshold = r.threshold;
        v.validFrom = r.validFrom;
        v.revokedAt = r.revokedAt;
        v.firstEpoch = r.firstEpoch;
        v.members = _members[setId];
    }

    /// @inheritdoc ISignerRegistry
    function addSubscriber(address token) external onlyOwner {
        if (!_boundHere(token)) revert SignerRegistry__NotBoundToRegistry();
        if (_subscribed[token]) revert SignerRegistry__AlreadySubscribed();
        if (_subscribers.length >= MAX_SUBSCRIBERS) revert SignerRegistry__TooManySubscribers();
        _subscribed[token] = true;
        _subscribers.push(token);
        emit SubscriberAdded(token);
    }

    /// @inheritdoc ISignerRegistry
    function isSubscriber(address token) external view returns (bool) {
        return _subscribed[token];
    }

    /// @inheritdoc ISignerRegistry
    function subscribers() external view returns (address[] memory) {
        return _subscribers;
    }

    /// @dev Whether `token` is a contract whose registry() answers this registry: a bare
    ///      staticcall, so that a missing function, a revert or a short answer is a refusal
    ///      (a high-level call would revert on a short answer without naming why).
    function _boundHere(address token) private view returns (bool) {
        if (token.code.length == 0) return false;
        (bool ok, bytes memory answer) = token.staticcall(
            abi.encodeCall(ISignerSetSubscriber.registry, ())
        );
        return ok && answer.length == 32 && abi.decode(answer, (uint256)) == uint160(address(this));
    }

    /// @dev The new revokedAt: > 0, not before validFrom, and earlier than a current one.
    function _revocation(
        uint40 validFrom,
        uint40 current,
        uint40 effectiveAt
    ) private pure returns (uint40) {
        if (effectiveAt == 0 || effectiveAt < validFrom) revert SignerRegistry__InvalidTime();
        if (current != 0 && current <= effectiveAt) revert SignerRegistry__AlreadyRevoked();
        return effectiveAt;
    }

    /// @dev validFrom <= at < revokedAt (revokedAt 0: never revoked).
    function _within(uint40 validFrom, uint40 revokedAt, uint40 at) private pure returns (bool) {
        return validFrom <= at && (revokedAt == 0 || at < revokedAt);
    }

    /// @dev y^2 == x^3 - 3x + b (mod p) with 0 <= x, y < p; the origin is not on the curve
    ///      (b != 0), so it is refused too.
    function _onCurve(uint256 x, uint256 y) private pure returns (bool) {
        if (x >= P || y >= P) return false;
        uint256 rhs = addmod(
            addmod(mulmod(mulmod(x, x, P), x, P), mulmod(P - 3, x, P), P),
            B,
            P
        );
        return mulmod(y, y, P) == rhs;
    }
}
