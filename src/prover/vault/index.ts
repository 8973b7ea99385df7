export * from './master-keys';
export * from './redis-vault-store';
export * from './vault';
export { MAX_LABEL_LENGTH, type VaultEntryKind } from './vault-record';
export * from './vault-store';
export { checkSnapshotFx } from './snapshot-fx';
export type { SnapshotSecret } from './snapshot-plaintext';
export * from './snapshot-chain';
export * from './cosignatures';
