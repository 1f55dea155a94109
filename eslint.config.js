// Lint: type-checked TypeScript rules, no floating promises, no import cycles, and the folder
// dependency rule of STYLE.md: core <- ports <- app <- adapters <- bootstrap <- server/cli.
import js from '@eslint/js';
import importX from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const drivers = ['better-sqlite3', 'pg', 'fastify', '@fastify/*', 'mqtt', '@nats-io/*', 'pino', 'prom-client', '@opentelemetry/*', 'commander', 'yaml', 'csv-parse', 'node-x12'];

/** Forbid imports of the given project folders (relative to any depth) and packages. */
function restrict(folders, packages, message) {
  return {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          ...folders.map((folder) => ({ group: [`**/${folder}/*`, `**/${folder}`], message: `${message} (may not import src/${folder})` })),
          ...packages.map((name) => ({ group: [name], message: `${message} (may not import ${name})` })),
        ],
      },
    ],
  };
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'millrace-data/**', 'artifacts/**', 'dashboard/vendor/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['bin/*.js', 'scripts/*.mjs'] }, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    rules: {
      // node:test's describe/it return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] }] },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'no-restricted-syntax': ['error', { selector: 'ExportAllDeclaration', message: 'name the exports (STYLE.md habit 6)' }],
    },
  },
  {
    // Every file, tests included: the core's tests live in test/core (docs/adr/0005).
    files: ['src/core/**/*.ts'],
    rules: {
      ...restrict(['ports', 'app', 'adapters', 'bootstrap', 'server', 'cli'], ['node:*', ...drivers], 'src/core is pure'),
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportAllDeclaration', message: 'name the exports (STYLE.md habit 6)' },
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'the core reads no clock: take `now` as an argument' },
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'the core reads no clock: take `now` as an argument' },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'the core reads no environment' },
        { name: 'setTimeout', message: 'deadlines are events, not timers' },
        { name: 'setInterval', message: 'deadlines are events, not timers' },
      ],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'the core uses no randomness' }],
    },
  },
  // The boundary rules are for production code: tests assemble real adapters around the layer they test.
  { files: ['src/ports/**/*.ts'], ignores: ['**/*.test.ts'], rules: restrict(['app', 'adapters', 'bootstrap', 'server', 'cli'], ['node:*', ...drivers], 'src/ports holds interfaces only') },
  { files: ['src/app/**/*.ts'], ignores: ['**/*.test.ts'], rules: restrict(['adapters', 'bootstrap', 'server', 'cli'], ['node:*', ...drivers], 'src/app uses core and ports only') },
  { files: ['src/adapters/**/*.ts'], ignores: ['**/*.test.ts'], rules: restrict(['bootstrap', 'server', 'cli'], [], 'adapters do not know how they are assembled') },
  { files: ['src/bootstrap/**/*.ts'], ignores: ['**/*.test.ts'], rules: restrict(['server', 'cli'], [], 'bootstrap does not know its processes') },
  { files: ['src/**/*.ts'], ignores: ['src/bootstrap/config.ts'], rules: { 'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'only src/bootstrap/config.ts reads the environment' }] } },
  {
    // Tests may poke at internals and use loose typing where a fixture is deliberately wrong.
    files: ['**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-restricted-properties': 'off',
    },
  },
  { files: ['bin/*.js', 'scripts/*.mjs', 'eslint.config.js'], ...tseslint.configs.disableTypeChecked },
  { files: ['bin/*.js', 'scripts/*.mjs'], languageOptions: { globals: globals.node } },
  // The dashboard is browser code without a build: plain ES modules, linted untyped.
  { files: ['dashboard/**/*.js'], ...tseslint.configs.disableTypeChecked },
  { files: ['dashboard/**/*.js'], languageOptions: { globals: globals.browser } },
);
