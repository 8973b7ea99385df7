// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title ISnapshotAnchor
/// @notice The onshore record of the snapshots a custodian signs: per signer set, an epoch
///         chain of (commitment, as-of) anchors and nothing else (no data). Supervisors read
///         the history; the anchor refuses a rollback, a gap and a second commitment for one
///         epoch.
interface ISnapshotAnchor {
    /// @notice One anchored snapshot.
    struct Anchor {
        bytes32 commitment;
        uint40 asOf;
        /// @dev False for an epoch never anchored.
        bool anchored;
    }

    /// @notice A signer set's anchored chain head.
    struct Head {
        uint64 epoch;
        uint40 asOf;
        /// @dev False before the set's first anchor (epoch 0 is a real epoch).
        bool started;
    }

    /// @notice A snapshot was anchored.
    /// @param setId The signer set that signed it.
    /// @param epoch Its epoch in the set's chain.
    /// @param commitment Its commitment.
    /// @param asOf Its as-of time (unix seconds).
    /// @param anchorer Who anchored it (an ANCHORER_ROLE holder).
    event SnapshotAnchored(
        bytes32 indexed setId,
        uint64 indexed epoch,
        bytes32 commitment,
        uint40 asOf,
        address anchorer
    );

    /// @notice An epoch below the set's head that was never anchored (below its first anchor),
    ///         or the next epoch with an as-of time earlier than the head's.
    error SnapshotAnchor__Rollback();
    /// @notice An epoch beyond head + 1: every epoch after the first anchor is anchored in turn.
    error SnapshotAnchor__Gap();
    /// @notice The epoch is anchored already with another commitment or as-of time.
    error SnapshotAnchor__Equivocation();
    /// @notice A zero commitment or setId, or a zero admin at deployment.
    error SnapshotAnchor__Invalid();

    /// @notice Anchors a snapshot (ANCHORER_ROLE: the custodian). The first anchor of a set may
    ///         be any epoch; then exactly head + 1, as-of not earlier than the head's. The same
    ///         anchor again (any epoch already anchored, identical fields) is a no-op success.
    function anchor(bytes32 setId, uint64 epoch, bytes32 commitment, uint40 asOf) external;

    /// @notice The anchor of one epoch of a set (anchored false: none).
    function anchorOf(bytes32 setId, uint64 epoch) external view returns (Anchor memory);

    /// @notice A set's chain head (started false: nothing anchored).
    function headOf(bytes32 setId) external view returns (Head memory);

    /// @notice The first epoch anchored for a set (meaningful when headOf(setId).started).
    function firstEpochOf(bytes32 setId) external view returns (uint64);
}
