/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // The page's code sees the DOM's types; the rest of the project does not.
    '/src/web/.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.web.json' }],
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  setupFilesAfterEnv: ['<rootDir>/test/setup-after-env.ts'],
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  testTimeout: 120000,
};
