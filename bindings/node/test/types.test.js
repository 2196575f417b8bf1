// index.d.ts checked by the TypeScript compiler against typical calls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

function typescriptCompiler() {
  try {
    return require.resolve('typescript/bin/tsc');
  } catch {
    return null;
  }
}

const tsc = typescriptCompiler();

test(
  'declarations type-check typical calls',
  { skip: tsc ? false : 'typescript is not installed; run npm install' },
  () => {
    const project = fileURLToPath(new URL('./types/tsconfig.json', import.meta.url));
    const result = spawnSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8' });

    assert.equal(result.status, 0, result.stdout + result.stderr);
  },
);
