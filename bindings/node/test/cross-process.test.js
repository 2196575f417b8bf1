// Contention between real processes: Node against Node, the sequantlock CLI
// (SEQUANTLOCK_CLI, the binary's path) and Python (SEQUANTLOCK_PYTHON, a
// python with the sequantlock package installed).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

import {
  exitOf,
  firstLine,
  makeLocksDir,
  spawnSleeper,
  writeOriginalLock,
} from './helpers.js';
import { LockManager } from '../lib/index.js';

const moduleUrl = new URL('../lib/index.js', import.meta.url).href;
const CLI = process.env.SEQUANTLOCK_CLI;
const PYTHON = process.env.SEQUANTLOCK_PYTHON;
const skipCli = CLI ? false : 'SEQUANTLOCK_CLI is not set to the sequantlock binary';
const skipPython = PYTHON
  ? false
  : 'SEQUANTLOCK_PYTHON is not set to a python with sequantlock installed';

function cli(dir, ...args) {
  const result = spawnSync(CLI, ['--locks-dir', dir, ...args], { encoding: 'utf8' });
  assert.equal(result.error, undefined);
  return result;
}

// Starts a child that acquires `key` in `dir`, prints the outcome as one JSON
// line, holds the lock until its stdin closes, then releases it and exits.
function spawnNodeHolder(dir, key) {
  const script = `
    import { LockManager } from ${JSON.stringify(moduleUrl)};
    const manager = new LockManager({ locksDir: ${JSON.stringify(dir)} });
    const result = manager.acquire(${JSON.stringify(key)}, 'node holder');
    console.log(JSON.stringify({ acquired: result.acquired }));
    process.stdin.resume();
    process.stdin.on('end', () => manager.releaseAll());
  `;
  return spawnHolder(process.execPath, ['--input-type=module', '-e', script]);
}

function spawnPythonHolder(dir, key) {
  const script = `
import json, sys
import sequantlock
manager = sequantlock.LockManager(locks_dir=${JSON.stringify(dir)})
result = manager.acquire(${JSON.stringify(key)}, "python holder")
print(json.dumps({"acquired": bool(result.acquired)}), flush=True)
sys.stdin.read()
manager.release_all()
`;
  return spawnHolder(PYTHON, ['-c', script]);
}

function spawnHolder(command, args) {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  process.on('exit', () => child.kill('SIGKILL'));
  return child;
}

async function stopHolder(child) {
  child.stdin.end();
  return exitOf(child);
}

describe('node processes', () => {
  test('child holder refuses this process', async () => {
    const dir = makeLocksDir();
    const child = spawnNodeHolder(dir, '1');
    assert.deepEqual(JSON.parse(await firstLine(child)), { acquired: true });
    const manager = new LockManager({ locksDir: dir });

    const refused = manager.acquire(1, 'parent');

    assert.equal(refused.acquired, false);
    assert.equal(refused.holder.pid, child.pid);
    assert.equal(refused.holder.command, 'node holder');
    assert.deepEqual(await stopHolder(child), { code: 0, signal: null });
    assert.equal(manager.acquire(1, 'parent').acquired, true);
    manager.release(1);
  });

  test('exactly one of racing processes wins', async () => {
    const dir = makeLocksDir();
    const children = Array.from({ length: 6 }, () => spawnNodeHolder(dir, 'race'));

    const outcomes = await Promise.all(children.map((child) => firstLine(child)));
    const winners = outcomes.filter((line) => JSON.parse(line).acquired);

    assert.equal(winners.length, 1);
    await Promise.all(children.map((child) => stopHolder(child)));
  });

  test('exactly one racer steals a stale lock', async () => {
    const dir = makeLocksDir();
    const dead = spawnSleeper();
    dead.kill('SIGKILL');
    await exitOf(dead);
    writeOriginalLock(dir, 'stolen', {
      pid: dead.pid,
      hostname: os.hostname(),
      startedAt: new Date().toISOString(),
      command: 'crashed session',
    });
    const children = Array.from({ length: 6 }, () => spawnNodeHolder(dir, 'stolen'));

    const outcomes = await Promise.all(children.map((child) => firstLine(child)));
    const winners = outcomes.filter((line) => JSON.parse(line).acquired);

    assert.equal(winners.length, 1);
    await Promise.all(children.map((child) => stopHolder(child)));
  });

  test('killed holder is replaced as pid-dead', async () => {
    const dir = makeLocksDir();
    const child = spawnNodeHolder(dir, '2');
    assert.deepEqual(JSON.parse(await firstLine(child)), { acquired: true });
    child.kill('SIGKILL');
    await exitOf(child);
    const manager = new LockManager({ locksDir: dir });

    const result = manager.acquire(2, 'successor');

    assert.equal(result.acquired, true);
    assert.equal(result.staleReason, 'pid-dead');
    assert.equal(result.previous.pid, child.pid);
    manager.release(2);
  });
});

describe('sequantlock CLI', () => {
  test('node holder refuses the CLI', { skip: skipCli }, () => {
    const dir = makeLocksDir();
    const manager = new LockManager({ locksDir: dir });
    assert.equal(manager.acquire(10, 'node session').acquired, true);

    const acquire = cli(dir, 'acquire', '10', '--json');
    const check = cli(dir, 'check', '10', '--json');

    assert.equal(acquire.status, 1);
    assert.equal(JSON.parse(acquire.stdout).acquired, false);
    assert.equal(JSON.parse(acquire.stdout).holder.pid, process.pid);
    assert.equal(check.status, 1);
    manager.release(10);
    assert.equal(cli(dir, 'check', '10').status, 0);
  });

  test('CLI holder refuses node', { skip: skipCli }, async () => {
    const dir = makeLocksDir();
    const sleeper = spawnSleeper();
    const acquire = cli(dir, 'acquire', '11', '--pid', String(sleeper.pid), '--command', 'cli');
    assert.equal(acquire.status, 0, acquire.stderr);
    const manager = new LockManager({ locksDir: dir });

    const refused = manager.acquire(11, 'node session');

    assert.equal(refused.acquired, false);
    assert.equal(refused.holder.pid, sleeper.pid);
    assert.equal(refused.holder.command, 'cli');
    assert.equal(refused.lockPath, path.join(dir, '11.lock'));
    sleeper.kill('SIGKILL');
    await exitOf(sleeper);
    assert.equal(manager.acquire(11, 'node session').acquired, true);
    manager.release(11);
  });

  test('CLI releases a node skip-PID-check lock', { skip: skipCli }, () => {
    const dir = makeLocksDir();
    const manager = new LockManager({ locksDir: dir, pid: 4500001 });
    manager.acquire(12, 'skill shell', { skipPidCheck: true });

    const release = cli(dir, 'release', '12');

    assert.equal(release.status, 0);
    assert.equal(manager.check(12), null);
  });
});

describe('python binding', () => {
  test('node holder refuses python', { skip: skipPython }, async () => {
    const dir = makeLocksDir();
    const manager = new LockManager({ locksDir: dir });
    assert.equal(manager.acquire(20, 'node session').acquired, true);

    const child = spawnPythonHolder(dir, '20');
    const outcome = JSON.parse(await firstLine(child));

    assert.deepEqual(outcome, { acquired: false });
    assert.deepEqual(await stopHolder(child), { code: 0, signal: null });
    manager.release(20);
  });

  test('python holder refuses node', { skip: skipPython }, async () => {
    const dir = makeLocksDir();
    const child = spawnPythonHolder(dir, '21');
    assert.deepEqual(JSON.parse(await firstLine(child)), { acquired: true });
    const manager = new LockManager({ locksDir: dir });

    const refused = manager.acquire(21, 'node session');

    assert.equal(refused.acquired, false);
    assert.equal(refused.holder.pid, child.pid);
    assert.equal(refused.holder.command, 'python holder');
    assert.deepEqual(await stopHolder(child), { code: 0, signal: null });
    assert.equal(manager.acquire(21, 'node session').acquired, true);
    manager.release(21);
  });
});
