// TypeDoc for `pnpm docs:api`: one module per public subpath, read from the packages' exports maps
// (their `sluice-source` entries), so a new subpath is documented, and checked, without an edit here.
import { readFileSync } from 'node:fs';

const entryPoints = ['core', 'operators', 'adapters']
  .flatMap((pkg) => {
    const { exports } = JSON.parse(readFileSync(new URL(`packages/${pkg}/package.json`, import.meta.url), 'utf8'));
    return Object.values(exports)
      .filter((target) => typeof target === 'object')
      .map((target) => `packages/${pkg}/${target['sluice-source'].replace(/^\.\//, '')}`);
  })
  .sort(); // a symbol several subpaths export is documented under the first: keep that choice stable

/** @type {Partial<import('typedoc').TypeDocOptions & import('typedoc-plugin-markdown').PluginOptions>} */
export default {
  name: 'sluice API reference',
  entryPoints,
  tsconfig: 'tsconfig.typedoc.json',
  plugin: ['typedoc-plugin-markdown'],
  out: 'docs/api',
  readme: 'none',
  entryFileName: 'README.md',
  excludeScopesInPaths: true,
  hidePageHeader: true,
  // Source links carry line numbers: every edit anywhere in a file would churn the checked-in pages.
  disableSources: true,
  excludePrivate: true,
  excludeInternal: true,
  excludeExternals: true,
  sort: ['kind', 'alphabetical'],
  // The CI check (test/docs/api.test.ts): an undocumented export or a broken {@link} fails the build.
  validation: {
    notExported: true,
    invalidLink: true,
    invalidPath: true,
    rewrittenLink: true,
    notDocumented: true,
    unusedMergeModuleWith: true,
  },
  requiredToBeDocumented: ['Function', 'Class', 'Interface', 'TypeAlias', 'Variable', 'Enum'],
  packagesRequiringDocumentation: ['@sluice/core', '@sluice/operators', '@sluice/adapters'],
  // Being documented on another branch (Contract + @example on the Pipeline API); drop these two
  // names when TypeDoc reports them as "intentionally not documented, but … documented".
  intentionallyNotDocumented: ['@sluice/core.Chain.pipe', '@sluice/core.Pipeline.[asyncIterator]'],
  treatWarningsAsErrors: true,
};
