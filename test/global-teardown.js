// snarkjs keeps the bn128 curve's worker threads alive; without this jest never exits.
module.exports = async () => {
  if (globalThis.curve_bn128) {
    await globalThis.curve_bn128.terminate();
    globalThis.curve_bn128 = undefined;
  }
};
