import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

export default tseslint.config(
  { ignores: ['dist/', '.test-build/', 'node_modules/', 'test-artifacts/', 'bench/.data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  {
    files: ['src/web/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'warn' },
  },
  { files: ['src/cli/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts', '.ci/**/*.js'], rules: { 'no-console': 'off' } },
  ...layerRules(),
  sqlInStore(),
);

// All SQL lives in src/store (one repository per aggregate), apart from the API's read side: the OData
// collection layer (src/api/odata) and the entity sets with their who-may-read rules (src/api/read).
// Use cases, routes, the worker and the CLI call repositories; a query builder anywhere else fails the lint.
function sqlInStore() {
  const message = 'SQL lives in src/store repositories (or, for the API read side, src/api/read and src/api/odata)';
  return {
    files: ['src/**/*.{ts,tsx}'],
    ignores: ['src/store/**', 'src/api/read/**', 'src/api/odata/**', 'src/web/**'],
    rules: {
      'no-restricted-syntax': ['error',
        { selector: 'CallExpression[callee.property.name=/^(selectFrom|selectNoFrom|insertInto|replaceInto|updateTable|deleteFrom|mergeInto)$/]', message },
        { selector: "TaggedTemplateExpression[tag.name='sql'], TaggedTemplateExpression[tag.object.name='sql'], CallExpression[callee.object.name='sql']", message },
      ],
    },
  };
}

// Layers point down (the architecture's order): domain ← store ← connectors, notifications ← services ←
// demo ← api; services ← worker; cli wires everything. config.ts is a leaf that imports nothing of
// src. api and worker are siblings: neither imports the other (cli's `serve` runs both). src/web
// is the browser's code: besides its own files it may import only domain (pure rules shared with the
// server). Each folder lists the folders it must not import; a type-only import counts too.
function layerRules() {
  const ORDER = 'layers point down: domain ← store ← connectors, notifications ← services ← demo ← api; services ← worker; cli on top (see the comment in eslint.config.js)';
  const folder = (name) => [`**/${name}/**`, `**/${name}`];
  const forbid = (files, names, extra = []) => ({
    files,
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: [...names.flatMap(folder), ...extra], message: ORDER }],
      }],
    },
  });
  const CONFIG = ['**/config.js', '**/config'];
  const web = [];
  // src/web has an api/ folder of its own, so its rule goes by depth: climbing out of src/web is
  // allowed only into src/domain
  for (let depth = 0; depth <= 5; depth++) {
    web.push({
      files: [`src/web/${'*/'.repeat(depth)}*.{ts,tsx}`],
      rules: {
        'no-restricted-imports': ['error', {
          patterns: [{ regex: `^(\\.\\./){${depth + 1}}(?!domain/)`, message: 'src/web may import only its own files and src/domain' }],
        }],
      },
    });
  }
  return [
    forbid(['src/config.ts'], [], ['../**', './**']),
    forbid(['src/domain/**'], ['store', 'connectors', 'notifications', 'services', 'demo', 'worker', 'api', 'cli', 'web'], CONFIG),
    forbid(['src/store/**'], ['connectors', 'notifications', 'services', 'demo', 'worker', 'api', 'cli', 'web']),
    forbid(['src/connectors/**', 'src/notifications/**'], ['services', 'demo', 'worker', 'api', 'cli', 'web']),
    forbid(['src/services/**'], ['demo', 'worker', 'api', 'cli', 'web']),
    forbid(['src/demo/**'], ['worker', 'api', 'cli', 'web']),
    forbid(['src/worker/**'], ['demo', 'api', 'cli', 'web']),
    forbid(['src/api/**'], ['worker', 'cli', 'web']),
    ...web,
  ];
}
