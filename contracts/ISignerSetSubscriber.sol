// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {ISignerRegistry} from "./ISignerRegistry.sol";

/// @title ISignerSetSubscriber
/// @notice A contract bound to one signer registry that caches trust in signer sets (a
///         ProofGatedToken), and hears of every set revocation from that registry (POSTSPEC §4).
interface ISignerSetSubscriber {
    /// @notice The registry revoked `setId` for snapshots dated `revokedAt` or later. Called by
    ///         the registry only, in the revoking transaction; a revert undoes the revocation.
    /// @param setId The revoked set's id.
    /// @param revokedAt The set's new revokedAt (a revocation may be brought forward, so a set
    ///        can be pushed more than once, each time earlier).
    function signerSetRevoked(bytes32 setId, uint40 revokedAt) external;

    /// @notice The registry the subscriber reads; the registry subscribes only contracts whose
    ///         answer is itself.
    function registry() external view returns (ISignerRegistry);
}
