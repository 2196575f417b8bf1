// Lock-directory resolution in real git repositories, from child processes
// whose working directory is the place under test.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { makeTempDir } from './helpers.js';
import { resolveLocksDir } from '../lib/index.js';

const moduleUrl = new URL('../lib/index.js', import.meta.url).href;

function gitEnvironment(home) {
  const env = { ...process.env };
  for (const name of Object.keys(env)) {
    if (name.startsWith('GIT_') || name.startsWith('SEQUANT_')) delete env[name];
  }
  return {
    ...env,
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Test Author',
    GIT_AUTHOR_EMAIL: 'author@example.com',
    GIT_COMMITTER_NAME: 'Test Committer',
    GIT_COMMITTER_EMAIL: 'committer@example.com',
  };
}

// Runs `script` (an ES module body with the binding imported as `lock`) in a
// child node with `cwd` and `extraEnv`, and returns what it logs as JSON.
function runIn(cwd, env, script, extraEnv = {}) {
  const body = `import * as lock from ${JSON.stringify(moduleUrl)};\n${script}`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', body], {
    cwd,
    env: { ...env, ...extraEnv },
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, `child failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

describe('locks directory resolution', () => {
  let root;
  let main;
  let worktree;
  let env;

  before(() => {
    root = makeTempDir();
    main = path.join(root, 'main');
    worktree = path.join(root, 'feature-wt');
    env = gitEnvironment(path.join(root, 'home'));
    fs.mkdirSync(env.HOME);
    const git = (cwd, ...args) => execFileSync('git', args, { cwd, env, stdio: 'pipe' });

    fs.mkdirSync(path.join(main, 'src', 'lib'), { recursive: true });
    git(main, 'init', '-q', '-b', 'main');
    fs.writeFileSync(path.join(main, 'src', 'lib', 'file.txt'), 'content\n');
    git(main, 'add', '.');
    git(main, 'commit', '-q', '-m', 'Initial commit');
    git(main, 'worktree', 'add', '-q', '-b', 'feature', worktree);
  });

  const resolveScript = 'console.log(JSON.stringify(lock.resolveLocksDir()));';
  const managerScript = 'console.log(JSON.stringify(new lock.LockManager().getLocksDir()));';

  test('repository root gives .sequant/locks there', () => {
    assert.equal(runIn(main, env, resolveScript), path.join(main, '.sequant', 'locks'));
  });

  test('subdirectory resolves to the root', () => {
    const subdir = path.join(main, 'src', 'lib');

    assert.equal(runIn(subdir, env, resolveScript), path.join(main, '.sequant', 'locks'));
    assert.equal(runIn(subdir, env, managerScript), path.join(main, '.sequant', 'locks'));
  });

  test('linked worktree shares the main directory', () => {
    const subdir = path.join(worktree, 'src');

    assert.equal(runIn(worktree, env, resolveScript), path.join(main, '.sequant', 'locks'));
    assert.equal(runIn(subdir, env, managerScript), path.join(main, '.sequant', 'locks'));
  });

  test('lock taken in worktree is seen from main', () => {
    const acquire = `
      const manager = new lock.LockManager();
      console.log(JSON.stringify(manager.acquire(501, 'worktree session')));
    `;
    const check = `
      const manager = new lock.LockManager();
      console.log(JSON.stringify(manager.check(501)));
    `;

    const acquired = runIn(path.join(worktree, 'src'), env, acquire);
    const seen = runIn(path.join(main, 'src', 'lib'), env, check);

    assert.equal(acquired.acquired, true);
    assert.equal(acquired.lockPath, path.join(main, '.sequant', 'locks', '501.lock'));
    assert.equal(seen.command, 'worktree session');
  });

  test('reading creates no directory', () => {
    const fresh = makeTempDir();
    const script = `
      const manager = new lock.LockManager();
      console.log(JSON.stringify([manager.check(1), manager.list()]));
    `;

    assert.deepEqual(runIn(fresh, env, script), [null, []]);
    assert.equal(fs.existsSync(path.join(fresh, '.sequant')), false);
  });

  test('outside a repository falls back to the working directory', () => {
    const outside = makeTempDir();

    assert.equal(runIn(outside, env, resolveScript), path.join(outside, '.sequant', 'locks'));
  });

  test('SEQUANT_LOCKS_DIR overrides git', () => {
    const chosen = path.join(makeTempDir(), 'chosen');

    assert.equal(runIn(main, env, resolveScript, { SEQUANT_LOCKS_DIR: chosen }), chosen);
    assert.equal(runIn(main, env, managerScript, { SEQUANT_LOCKS_DIR: chosen }), chosen);
  });

  test('empty SEQUANT_LOCKS_DIR counts as unset', () => {
    const result = runIn(main, env, resolveScript, { SEQUANT_LOCKS_DIR: '' });

    assert.equal(result, path.join(main, '.sequant', 'locks'));
  });

  test('explicit directory overrides the environment', () => {
    const script = `
      console.log(JSON.stringify([
        lock.resolveLocksDir('explicit/locks'),
        new lock.LockManager({ locksDir: 'explicit/locks' }).getLocksDir(),
      ]));
    `;
    const chosen = path.join(makeTempDir(), 'chosen');
    const expected = path.join(main, 'src', 'explicit', 'locks');

    const result = runIn(path.join(main, 'src'), env, script, { SEQUANT_LOCKS_DIR: chosen });

    assert.deepEqual(result, [expected, expected]);
  });

  test('resolveLocksDir in this process is absolute', () => {
    assert.equal(path.isAbsolute(resolveLocksDir()), true);
  });
});
