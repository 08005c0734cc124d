/**
 * The layer and cycle rules of DESIGN.md ("Layout and house style", "Tools keep the shape"),
 * checked by `npm run lint` (depcruise src migrations). Type-only imports count as imports
 * (tsPreCompilationDeps), so a cycle closed by `import type` is still a cycle.
 *
 * @type {import('dependency-cruiser').IConfiguration}
 */
const TEST_FILE = '\\.test\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles, type-only imports included.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'rules-import-only-rules-and-history',
      severity: 'error',
      comment:
        'The rule engine is pure: it reads the account history types (src/mt5/history.ts) and its own files, ' +
        'nothing else of the project.',
      from: { path: '^src/rules/', pathNot: TEST_FILE },
      to: { pathNot: ['^src/rules/', '^src/mt5/history\\.ts$', '^node_modules/'], dependencyTypesNot: ['core'] },
    },
    {
      name: 'rules-no-io',
      severity: 'error',
      comment: 'No I/O and no clock in the rule engine: of Node itself it may use crypto (hashing) only.',
      from: { path: '^src/rules/', pathNot: TEST_FILE },
      to: { dependencyTypes: ['core'], pathNot: '^(node:)?crypto$' },
    },
    {
      name: 'module-not-to-other-module-repository',
      severity: 'error',
      comment: "Modules call each other's service, never each other's repository.",
      from: { path: '^src/modules/([^/]+)/' },
      to: { path: '^src/modules/[^/]+/.*\\.repository\\.ts$', pathNot: '^src/modules/$1/' },
    },
    {
      name: 'module-not-to-deps',
      severity: 'error',
      comment: 'src/deps.ts is the one composition root: modules get what they need passed in.',
      from: { path: '^src/modules/' },
      to: { path: '^src/deps\\.ts$' },
    },
    {
      name: 'src-not-to-test-harness',
      severity: 'error',
      comment: 'Application code never reaches into the test harness; the tests beside it may.',
      from: { path: '^src/', pathNot: TEST_FILE },
      to: { path: '^test/' },
    },
    {
      name: 'src-not-to-bench',
      severity: 'error',
      comment: 'Benchmarks use the code, never the other way round.',
      from: { path: '^src/' },
      to: { path: '^bench/' },
    },
    {
      name: 'migrations-not-to-src',
      severity: 'error',
      comment:
        'A migration is frozen history: it never changes because application code did. Its tests may open a database through src/infra/db.',
      from: { path: '^migrations/', pathNot: '[.]test[.]ts$' },
      to: { path: '^src/' },
    },
    {
      name: 'infra-not-to-modules',
      severity: 'error',
      comment: 'src/infra says how, src/modules says what: infrastructure does not know the product.',
      from: { path: '^src/infra/', pathNot: ['^src/infra/db/', TEST_FILE] },
      to: { path: '^src/modules/' },
    },
    {
      name: 'infra-db-only-to-table-types',
      severity: 'error',
      comment:
        "src/infra/db assembles the one Database type from each module's *.table.ts, as types only; " +
        'it imports nothing else of the modules.',
      from: { path: '^src/infra/db/', pathNot: TEST_FILE },
      to: { path: '^src/modules/', pathNot: '\\.table\\.ts$' },
    },
    {
      name: 'infra-db-table-types-type-only',
      severity: 'error',
      comment: 'The table types are imported with `import type`: no module code runs inside src/infra/db.',
      from: { path: '^src/infra/db/', pathNot: TEST_FILE },
      to: { path: '^src/modules/.*\\.table\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'Every import resolves to a file or an installed package.',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'src-not-to-dev-dependency',
      severity: 'error',
      comment: 'Application code runs with production dependencies only; tests may use devDependencies.',
      from: { path: '^src/', pathNot: TEST_FILE },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // A re-run reads unchanged files from here (content hashes, so it is right on any branch or stash).
    cache: { folder: 'node_modules/.cache/dependency-cruiser', strategy: 'content' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
