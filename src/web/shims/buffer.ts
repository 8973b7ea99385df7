/** Injected into the bundle: the shared modules use Buffer for ASCII and hex conversions. */
export { Buffer } from 'buffer';
