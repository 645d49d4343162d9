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
    // The layers (docs/architecture.md): only the store talks to DynamoDB; handlers and protocol code
    // go through repositories. The outbox consumer reads the table's stream, a store of its own.
    files: ['lambdas/**/*.ts'],
    ignores: ['lambdas/store/**', 'lambdas/outbox/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb', '@aws-sdk/client-dynamodb-streams', '@aws-sdk/util-dynamodb'], message: 'Only lambdas/store may use the DynamoDB client; go through a repository.' }],
      }],
    },
  },
  {
    // Keys are built in lambdas/store/keys.ts and read through repositories (`deps.repos`,
    // store/repos.ts): code outside the store builds no key, holds no `Db` and does not reach for
    // the table on `deps` (`deps.db` is there for tests and tools; the composition root opens the
    // table with `openTable`).
    files: ['lambdas/**/*.ts'],
    ignores: ['lambdas/store/**', 'lambdas/outbox/**'],
    rules: {
      'no-restricted-syntax': ['error', {
        selector: "MemberExpression[property.name='db'][object.name=/^(deps|d)$/], MemberExpression[property.name='db'][object.callee.name='getDeps']",
        message: 'Only the store touches the table: ask a repository (deps.repos).',
      }],
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/store/keys', '**/store/keys.js'], allowTypeImports: true, message: 'Keys belong to lambdas/store: ask a repository (deps.repos).' },
          { group: ['**/store/client', '**/store/client.js'], importNames: ['Db'], allowTypeImports: true, message: 'Only the store holds a Db: ask a repository (deps.repos).' },
        ],
      }],
    },
  },
  {
    // The core is pure: domain model, SCIM, roles, audit records. It imports no storage, no
    // platform wiring, no endpoint group and no AWS SDK.
    files: ['lambdas/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/store/**', '**/platform/**', '**/signin/**', '**/admin/**', '**/oidc/**', '**/saml/**', '**/scim/app*', '**/scim/handler*', '**/scim-oauth/**', '**/tokens/**', '**/universal-logout/**', '**/audit/**', '**/outbox/**'], message: 'lambdas/core is pure: it may import only lambdas/core and libraries.' },
          { group: ['@aws-sdk/*', '@aws-lambda-powertools/*', '@middy/*', 'node:dns*', 'node:fs*', 'node:http*', 'node:net'], message: 'lambdas/core does no I/O.' },
        ],
      }],
    },
  },
  {
    // The store depends on the core only: no platform, no sign-in, no endpoint group.
    files: ['lambdas/store/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['../platform/**', '../signin/**', '../admin/**', '../oidc/**', '../saml/**', '../scim/**', '../scim-oauth/**', '../tokens/**', '../universal-logout/**', '../audit/**', '../outbox/**'], message: 'lambdas/store may import only lambdas/core.' }],
      }],
    },
  },
  {
    // The platform serves every group and depends on none of them.
    files: ['lambdas/platform/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['../signin/**', '../admin/**', '../oidc/**', '../saml/**', '../scim/**', '../scim-oauth/**', '../tokens/**', '../universal-logout/**', '../audit/**', '../outbox/**'], message: 'lambdas/platform may import only lambdas/core and lambdas/store.' },
          { group: ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb', '@aws-sdk/util-dynamodb'], message: 'Only lambdas/store may use the DynamoDB client.' },
        ],
      }],
    },
  },
);
