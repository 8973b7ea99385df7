import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'build/', 'artifacts/', 'dist/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/prover', '**/prover/*'],
              message:
                'The offshore side (src/verifier, src/api, src/common) never imports the onshore prover.',
            },
          ],
        },
      ],
    },
  },
  {
    // The prover may import itself; only the offshore side is walled off from it.
    files: [
      'src/prover/**',
      'src/cli/**',
      'src/entry-points/cli.ts',
      'src/entry-points/onshore-server.ts',
      'src/entry-points/onshore-startup.ts',
      'src/entry-points/worker.ts',
      'src/entry-points/worker-config.ts',
      'scripts/**',
      'bench/**',
      'test/**',
    ],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['**/*.cjs', '**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        console: 'readonly',
        globalThis: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
