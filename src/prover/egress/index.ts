export * from './egress-log';
export * from './egress-sender';
export * from './egress-evidence';
export { clearForEgress, type ClearedPackage } from './egress-guard';
export { findLeaks, sensitiveStrings } from './leak-scan';
export * from './export-basis';
