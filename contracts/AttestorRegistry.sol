// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IAttestorRegistry} from "./IAttestorRegistry.sol";

/// @title AttestorRegistry
/// @notice The owner's list of trusted attestor keys. One storage slot per key, so a token's
///         `isTrusted` check costs one cold SLOAD.
contract AttestorRegistry is IAttestorRegistry, Ownable {
    /// @dev BN254 scalar field modulus: a proof's `attestor` signal is always below it.
    uint256 private constant SNARK_SCALAR_FIELD =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;

    struct Record {
        bool registered;
        uint40 validFrom;
        uint40 revokedAt; // 0: not revoked
    }

    mapping(uint256 keyHash => Record) private _records;

    /// @notice Creates an empty registry.
    /// @param initialOwner The account allowed to add and revoke keys.
    constructor(address initialOwner) Ownable(initialOwner) {}

    /// @inheritdoc IAttestorRegistry
    function add(uint256 keyHash, uint40 validFrom) external onlyOwner {
        if (keyHash == 0 || keyHash >= SNARK_SCALAR_FIELD) revert AttestorRegistry__InvalidKeyHash();
        if (_records[keyHash].registered) revert AttestorRegistry__AlreadyRegistered();
        _records[keyHash] = Record({registered: true, validFrom: validFrom, revokedAt: 0});
        emit AttestorAdded(keyHash, validFrom);
    }

    /// @inheritdoc IAttestorRegistry
    function revoke(uint256 keyHash, uint40 effectiveAt) external onlyOwner {
        if (effectiveAt == 0) revert AttestorRegistry__InvalidTime();
        Record storage r = _records[keyHash];
        if (!r.registered) revert AttestorRegistry__Unknown();
        uint40 current = r.revokedAt;
        if (current != 0 && current <= effectiveAt) revert AttestorRegistry__AlreadyRevoked();
        r.revokedAt = effectiveAt;
        emit AttestorRevoked(keyHash, effectiveAt);
    }

    /// @inheritdoc IAttestorRegistry
    function isTrusted(uint256 keyHash, uint40 asOf) external view returns (bool) {
        Record memory r = _records[keyHash];
        return r.registered && r.validFrom <= asOf && (r.revokedAt == 0 || asOf < r.revokedAt);
    }

    /// @inheritdoc IAttestorRegistry
    function attestor(
        uint256 keyHash
    ) external view returns (bool registered, uint40 validFrom, uint40 revokedAt) {
        Record memory r = _records[keyHash];
        return (r.registered, r.validFrom, r.revokedAt);
    }
}
