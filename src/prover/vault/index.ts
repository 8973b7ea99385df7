export * from './master-keys';
export * from './redis-vault-store';
export * from './vault';
export * from './vault-store';
