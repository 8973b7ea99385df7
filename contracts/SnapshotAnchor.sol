// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ISnapshotAnchor} from "./ISnapshotAnchor.sol";

/// @title SnapshotAnchor
/// @notice Onshore anchor of signed snapshots: the custodian (ANCHORER_ROLE) records each
///         snapshot it signs as (setId, epoch, commitment, asOf); supervisors read the history
///         (anchorOf, headOf, the SnapshotAnchored events). No signatures are checked here: the
///         chain is the custodian's own public record, and the rules make it append-only (no
///         rollback, no gap, one commitment per epoch) so that what it showed once it shows
///         forever.
contract SnapshotAnchor is ISnapshotAnchor, AccessControl {
    /// @notice May anchor snapshots.
    bytes32 public constant ANCHORER_ROLE = keccak256("ANCHORER_ROLE");

    mapping(bytes32 setId => mapping(uint64 epoch => Anchor)) private _anchors;
    mapping(bytes32 setId => Head) private _heads;
    mapping(bytes32 setId => uint64) private _firstEpochs;

    /// @notice `admin` gets DEFAULT_ADMIN_ROLE (it grants ANCHORER_ROLE).
    constructor(address admin) {
        if (admin == address(0)) revert SnapshotAnchor__Invalid();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @inheritdoc ISnapshotAnchor
    function anchor(
        bytes32 setId,
        uint64 epoch,
        bytes32 commitment,
        uint40 asOf
    ) external onlyRole(ANCHORER_ROLE) {
        if (setId == 0 || commitment == 0) revert SnapshotAnchor__Invalid();
        Anchor storage a = _anchors[setId][epoch];
        if (a.anchored) {
            if (a.commitment != commitment || a.asOf != asOf) {
                revert SnapshotAnchor__Equivocation();
            }
            return; // the same anchor again: done already
        }
        Head memory h = _heads[setId];
        if (h.started) {
            if (epoch < h.epoch) revert SnapshotAnchor__Rollback();
            if (epoch - h.epoch > 1) revert SnapshotAnchor__Gap();
            if (asOf < h.asOf) revert SnapshotAnchor__Rollback();
        } else {
            _firstEpochs[setId] = epoch;
        }
        _anchors[setId][epoch] = Anchor({commitment: commitment, asOf: asOf, anchored: true});
        _heads[setId] = Head({epoch: epoch, asOf: asOf, started: true});
        emit SnapshotAnchored(setId, epoch, commitment, asOf, msg.sender);
    }

    /// @inheritdoc ISnapshotAnchor
    function anchorOf(bytes32 setId, uint64 epoch) external view returns (Anchor memory) {
        return _anchors[setId][epoch];
    }

    /// @inheritdoc ISnapshotAnchor
    function headOf(bytes32 setId) external view returns (Head memory) {
        return _heads[setId];
    }

    /// @inheritdoc ISnapshotAnchor
    function firstEpochOf(bytes32 setId) external view returns (uint64) {
        return _firstEpochs[setId];
    }
}
