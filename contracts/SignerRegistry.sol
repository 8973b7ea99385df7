// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ISignerRegistry} from "./ISignerRegistry.sol";

/// @title SignerRegistry
/// @notice The owner's list of trusted P-256 keys (snapshot signers and FX sources).
/// @dev Gas: a key's trust window and kind share one slot, so a token's `isTrusted` reads one
///      slot. The point is stored too (for readers of the chain), never read by a mint.
contract SignerRegistry is ISignerRegistry, Ownable {
    /// @dev P-256 field prime p and curve coefficient b (a = p - 3).
    uint256 private constant P =
        0xffffffff00000001000000000000000000000000ffffffffffffffffffffffff;
    uint256 private constant B =
        0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b;

    struct Record {
        bool registered;
        KeyKind kind;
        uint40 validFrom;
        uint40 revokedAt; // 0: not revoked
        uint256 x;
        uint256 y;
    }

    mapping(bytes32 keyId => Record) private _records;
    mapping(bytes32 keyId => string) private _labels;

    /// @notice Creates an empty registry.
    /// @param initialOwner The account allowed to add and revoke keys.
    constructor(address initialOwner) Ownable(initialOwner) {}

    /// @inheritdoc ISignerRegistry
    function add(
        KeyKind kind,
        uint256 x,
        uint256 y,
        string calldata label,
        uint40 validFrom
    ) external onlyOwner returns (bytes32 keyId) {
        if (!_onCurve(x, y)) revert SignerRegistry__KeyNotOnCurve();
        keyId = sha256(abi.encodePacked(x, y));
        Record storage r = _records[keyId];
        if (r.registered) revert SignerRegistry__AlreadyRegistered();
        r.registered = true;
        r.kind = kind;
        r.validFrom = validFrom;
        r.x = x;
        r.y = y;
        if (bytes(label).length != 0) _labels[keyId] = label;
        emit KeyAdded(keyId, kind, x, y, label, validFrom);
    }

    /// @inheritdoc ISignerRegistry
    function revoke(bytes32 keyId, uint40 effectiveAt) external onlyOwner {
        Record storage r = _records[keyId];
        if (!r.registered) revert SignerRegistry__Unknown();
        if (effectiveAt == 0 || effectiveAt < r.validFrom) revert SignerRegistry__InvalidTime();
        uint40 current = r.revokedAt;
        if (current != 0 && current <= effectiveAt) revert SignerRegistry__AlreadyRevoked();
        r.revokedAt = effectiveAt;
        emit KeyRevoked(keyId, r.kind, effectiveAt);
    }

    /// @inheritdoc ISignerRegistry
    function isTrusted(KeyKind kind, bytes32 keyId, uint40 at) external view returns (bool) {
        Record storage r = _records[keyId];
        (bool registered, KeyKind k, uint40 validFrom, uint40 revokedAt) = (
            r.registered,
            r.kind,
            r.validFrom,
            r.revokedAt
        );
        return
            registered && k == kind && validFrom <= at && (revokedAt == 0 || at < revokedAt);
    }

    /// @inheritdoc ISignerRegistry
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
        )
    {
        Record storage r = _records[keyId];
        return (r.registered, r.kind, r.x, r.y, r.validFrom, r.revokedAt, _labels[keyId]);
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
