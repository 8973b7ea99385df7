// Each test file runs in its own context with its own snarkjs curve (and worker threads):
// terminate it when the file is done, or jest waits for the workers forever.
afterAll(async () => {
  const curve = (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128;
  await curve?.terminate();
  (globalThis as { curve_bn128?: unknown }).curve_bn128 = undefined;
});
