/** The onshore prover, by concern: snapshot ingest and commitment, proving, egress. */
export * from './snapshot';
export * from './proving';
export { clearForEgress, findLeaks, sensitiveStrings, type ClearedPackage } from './egress';
