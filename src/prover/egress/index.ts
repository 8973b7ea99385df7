export * from './egress-log';
export * from './egress-sender';
export * from './egress-evidence';
