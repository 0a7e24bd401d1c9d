import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';

/**
 * The image installs production dependencies only (`npm ci --omit=dev`), so nothing under src/
 * may import a dev dependency at run time, not even lazily. Type-only imports are erased by the
 * compiler and do not count. test/integration/production-install.test.ts runs the real thing.
 */
const root = process.cwd();
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(path.join(dir, entry.name)) : entry.name.endsWith('.ts') ? [path.join(dir, entry.name)] : [],
  );
}

/** Package names a module loads at run time: static imports and re-exports (not `import type`) and dynamic import(). */
function runtimePackages(source: string): string[] {
  const specifiers: string[] = [];
  const statement = /^\s*(import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;
  for (const match of source.matchAll(statement)) specifiers.push(match[2] ?? '');
  for (const match of source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) specifiers.push(match[1] ?? '');
  return specifiers
    .filter((specifier) => !specifier.startsWith('.') && !specifier.startsWith('node:'))
    .map((specifier) => (specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : (specifier.split('/')[0] ?? '')));
}

describe('run-time dependencies', () => {
  it('finds static, re-exported and dynamic imports but not type-only ones', () => {
    const source = [
      "import { a } from 'alpha';",
      "import type { B } from 'beta';",
      "export { c } from '@scope/gamma/sub';",
      "const d = await import('delta');",
      "import './local.js';",
      "import { readFile } from 'node:fs';",
    ].join('\n');
    expect(runtimePackages(source)).toEqual(['alpha', '@scope/gamma', 'delta']);
  });

  it('imports only production dependencies and Node built-ins from src/', () => {
    const offenders: string[] = [];
    for (const file of sourceFiles(path.join(root, 'src'))) {
      for (const name of runtimePackages(readFileSync(file, 'utf8'))) {
        if (name in pkg.dependencies || builtinModules.includes(name)) continue;
        offenders.push(`${path.relative(root, file)}: ${name}${name in pkg.devDependencies ? ' (a dev dependency)' : ''}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
