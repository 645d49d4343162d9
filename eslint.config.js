// Lint rules that protect the house's boundaries (CONVENTIONS.md): storage only in the store, one way
// to render an error. Type-aware checks are left to `tsc`; these rules are the ones tsc cannot say.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', '.data/', '.test-data/', 'coverage/', '.bench-out*/', 'bench/polis/node_modules/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-empty': ['error', { allowEmptyCatch: true }],
      'no-control-regex': 'off',
      'prefer-const': ['error', { ignoreReadBeforeAssign: true, destructuring: 'all' }],
    },
  },
  {
    // CloudFormation templates are untyped JSON.
    files: ['test/infra/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Only the store talks to DynamoDB: handlers and protocol code go through repositories.
    files: ['lambdas/**/*.ts'],
    ignores: ['lambdas/shared/db/**', 'lambdas/outbox/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb', '@aws-sdk/client-dynamodb-streams'], message: 'Only lambdas/shared/db may use the DynamoDB client; go through a repository.' }],
      }],
    },
  },
);
