// acquireWait: the native wait on a libuv worker thread, the polling wait of
// managers with seams, and holders in other processes that release or die.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { isMainThread } from 'node:worker_threads';

import {
  MY_HOST,
  MY_PID,
  NOW,
  exitOf,
  firstLine,
  holder,
  makeLocksDir,
  makeTempDir,
  seams,
  writeOriginalLock,
} from './helpers.js';
import { LockManager } from '../lib/index.js';

const require = createRequire(import.meta.url);
const moduleUrl = new URL('../lib/index.js', import.meta.url).href;
const CLI = process.env.SEQUANTLOCK_CLI;
const skipCli = CLI ? false : 'SEQUANTLOCK_CLI is not set to the sequantlock binary';

// Every wait below ends when a holder releases or dies; the timeout only
// stops a broken build from hanging the suite.
const GENEROUS = { timeout: 60_000 };
const LONG_WAIT_MS = 50_000;

// Starts a child that acquires every key in `keys` in `dir`, prints
// {acquired: [...]} as one JSON line, and holds the locks until its stdin
// closes.
function spawnNodeHolder(dir, keys) {
  const script = `
    import { LockManager } from ${JSON.stringify(moduleUrl)};
    const manager = new LockManager({ locksDir: ${JSON.stringify(dir)} });
    const keys = ${JSON.stringify(keys)};
    const acquired = keys.map((key) => manager.acquire(key, 'node holder').acquired);
    console.log(JSON.stringify({ acquired }));
    process.stdin.resume();
    process.stdin.on('end', () => manager.releaseAll());
  `;
  return spawnHolder(process.execPath, ['--input-type=module', '-e', script]);
}

function spawnHolder(command, args) {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const kill = () => child.kill('SIGKILL');
  process.on('exit', kill);
  child.on('exit', () => process.off('exit', kill));
  return child;
}

async function startNodeHolder(dir, keys) {
  const child = spawnNodeHolder(dir, keys);
  const line = JSON.parse(await firstLine(child));
  assert.deepEqual(line, { acquired: keys.map(() => true) });
  return child;
}

async function stopHolder(child) {
  child.stdin.end();
  return exitOf(child);
}

// Resolves with the first line `child` writes to stdout and keeps reading
// the rest, so that later writes do not fail with EPIPE.
function firstLineKeepReading(child) {
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      buffered += chunk;
      const newline = buffered.indexOf('\n');
      if (newline >= 0) resolve(buffered.slice(0, newline));
    });
    child.stdout.on('end', () => {
      reject(new Error(`child exited before writing a line; stdout was '${buffered}'`));
    });
  });
}

// Resolves once `condition()` is true, checking on every timer turn.
async function until(condition) {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

function expectThrows(fn, ErrorType, code) {
  let caught;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught, 'expected a synchronous exception');
  assert.equal(caught.constructor, ErrorType);
  assert.equal(caught.code, code);
}

describe('acquireWait without seams', () => {
  test('free key resolves like acquire', GENEROUS, async () => {
    const dir = makeLocksDir();
    const manager = new LockManager({ locksDir: dir });

    const pending = manager.acquireWait(1, 'waiter');
    const result = await pending;

    assert.ok(pending instanceof Promise);
    assert.equal(typeof result.waitedMs, 'number');
    assert.deepEqual(result, {
      acquired: true,
      lockPath: path.join(dir, '1.lock'),
      waitedMs: result.waitedMs,
    });
    assert.equal(manager.check(1).command, 'waiter');
    manager.release(1);
  });

  test('acquires when child holder releases', GENEROUS, async () => {
    const dir = makeLocksDir();
    const child = await startNodeHolder(dir, ['2']);
    const manager = new LockManager({ locksDir: dir });

    const waiting = manager.acquireWait(2, 'waiter', { timeoutMs: LONG_WAIT_MS });
    assert.deepEqual(await stopHolder(child), { code: 0, signal: null });
    const result = await waiting;

    assert.equal(result.acquired, true);
    assert.equal(result.stale, undefined);
    assert.equal(manager.check(2).pid, process.pid);
    manager.release(2);
  });

  test('killed child holder is pid-dead', GENEROUS, async () => {
    const dir = makeLocksDir();
    const child = await startNodeHolder(dir, ['3']);
    const manager = new LockManager({ locksDir: dir });

    const waiting = manager.acquireWait(3, 'waiter', { timeoutMs: LONG_WAIT_MS });
    child.kill('SIGKILL');
    await exitOf(child);
    const result = await waiting;

    assert.equal(result.acquired, true);
    assert.equal(result.stale, true);
    assert.equal(result.staleReason, 'pid-dead');
    assert.equal(result.previous.pid, child.pid);
    assert.equal(result.previous.command, 'node holder');
    manager.release(3);
  });

  test('timeout resolves with the holder', GENEROUS, async () => {
    const dir = makeLocksDir();
    const child = await startNodeHolder(dir, ['4']);
    const manager = new LockManager({ locksDir: dir });

    // Longer than one native wait slice, so that the slices are chained.
    const result = await manager.acquireWait(4, 'waiter', { timeoutMs: 1200 });

    assert.equal(result.acquired, false);
    assert.equal(result.holder.pid, child.pid);
    assert.equal(result.holder.command, 'node holder');
    assert.equal(result.lockPath, path.join(dir, '4.lock'));
    assert.equal(result.stale, false);
    assert.equal(result.staleReason, null);
    assert.equal(typeof result.waitedMs, 'number');
    assert.deepEqual(await stopHolder(child), { code: 0, signal: null });
  });

  test('zero timeout tries once', GENEROUS, async () => {
    const dir = makeLocksDir();
    const child = await startNodeHolder(dir, ['5']);
    const manager = new LockManager({ locksDir: dir });

    const result = await manager.acquireWait(5, 'waiter', { timeoutMs: 0 });

    assert.equal(result.acquired, false);
    assert.equal(result.holder.pid, child.pid);
    await stopHolder(child);
  });

  test('timers run during native wait', GENEROUS, async () => {
    const dir = makeLocksDir();
    const child = await startNodeHolder(dir, ['6']);
    const manager = new LockManager({ locksDir: dir });
    let settled = false;

    const waiting = manager
      .acquireWait(6, 'waiter', { timeoutMs: LONG_WAIT_MS })
      .finally(() => {
        settled = true;
      });
    let ticks = 0;
    await new Promise((resolve) => {
      const interval = setInterval(() => {
        ticks += 1;
        if (ticks === 5) {
          clearInterval(interval);
          resolve();
        }
      }, 10);
    });

    // The holder is still alive, so the wait cannot have ended yet.
    assert.equal(settled, false);
    assert.equal(ticks, 5);
    await stopHolder(child);
    assert.equal((await waiting).acquired, true);
    manager.release(6);
  });

  test('concurrent waits on one manager', GENEROUS, async () => {
    const dir = makeLocksDir();
    const child = await startNodeHolder(dir, ['7', '8']);
    const manager = new LockManager({ locksDir: dir });

    const first = manager.acquireWait(7, 'waiter 7', { timeoutMs: LONG_WAIT_MS });
    const second = manager.acquireWait(8, 'waiter 8', { timeoutMs: LONG_WAIT_MS });
    await stopHolder(child);
    const results = await Promise.all([first, second]);

    assert.equal(results[0].acquired, true);
    assert.equal(results[1].acquired, true);
    assert.equal(manager.check(7).command, 'waiter 7');
    assert.equal(manager.check(8).command, 'waiter 8');
    manager.releaseAll();
  });

  test('two waits for one key', GENEROUS, async () => {
    const dir = makeLocksDir();
    const child = await startNodeHolder(dir, ['9']);
    const manager = new LockManager({ locksDir: dir });

    // Locks are not re-entrant: the loser keeps waiting on this process.
    const waits = [
      manager.acquireWait(9, 'first', { timeoutMs: 2000 }),
      manager.acquireWait(9, 'second', { timeoutMs: 2000 }),
    ];
    await stopHolder(child);
    const results = await Promise.all(waits);
    const winners = results.filter((result) => result.acquired);
    const losers = results.filter((result) => !result.acquired);

    assert.equal(winners.length, 1);
    assert.equal(losers.length, 1);
    assert.equal(losers[0].holder.pid, process.pid);
    manager.release(9);
  });

  test('unreferenced native manager survives gc', GENEROUS, async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc');
    const native = require('../build/Release/sequantlock.node');
    const dir = makeLocksDir();
    const child = await startNodeHolder(dir, ['10']);

    // Only the pending wait refers to this manager.
    const waiting = new native.Manager({ locksDir: dir }).acquireWait(
      '10', 'unreferenced', false, LONG_WAIT_MS,
    );
    for (let round = 0; round < 3; round += 1) {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await stopHolder(child);
    const result = await waiting;

    assert.equal(result.acquired, true);
    assert.equal(new LockManager({ locksDir: dir }).check(10).command, 'unreferenced');
  });

  test('library error rejects with code', GENEROUS, async () => {
    const parent = path.join(makeTempDir(), 'file');
    fs.writeFileSync(parent, '');
    const manager = new LockManager({ locksDir: path.join(parent, 'locks') });
    let syncError;
    try {
      manager.acquire(11, 'x');
    } catch (error) {
      syncError = error;
    }

    const rejected = await manager.acquireWait(11, 'x').then(
      () => assert.fail('expected a rejection'),
      (error) => error,
    );

    assert.equal(rejected.constructor, Error);
    assert.equal(rejected.code, 'IO');
    assert.equal(rejected.code, syncError.code);
    assert.equal(rejected.errno, syncError.errno);
    assert.equal(rejected.path, syncError.path);
  });

  test('orchestrator mode acquires at once', GENEROUS, async () => {
    const dir = makeLocksDir();
    const manager = new LockManager({ locksDir: dir, orchestratorMode: true });

    const result = await manager.acquireWait(12, 'waiter');

    assert.deepEqual(result, { acquired: true, lockPath: '', waitedMs: 0 });
    assert.equal(fs.existsSync(dir), false);
  });
});

describe('acquireWait with seams', () => {
  test('polls seams on the main thread', GENEROUS, async () => {
    const dir = makeLocksDir();
    const other = holder({ pid: 4100020, hostname: MY_HOST });
    writeOriginalLock(dir, 20, other);
    let otherAlive = true;
    const calls = [];
    const manager = new LockManager(
      seams(dir, {
        isPidAlive: (pid) => {
          calls.push({ seam: 'isPidAlive', isMainThread });
          return pid === MY_PID || (pid === other.pid && otherAlive);
        },
        now: () => {
          calls.push({ seam: 'now', isMainThread });
          return NOW;
        },
      }),
    );

    const waiting = manager.acquireWait(20, 'waiter', { timeoutMs: LONG_WAIT_MS });
    // Two probes of the holder mean at least one retry came from a timer.
    await until(() => calls.filter((call) => call.seam === 'isPidAlive').length >= 2);
    otherAlive = false;
    const result = await waiting;

    assert.equal(result.acquired, true);
    assert.equal(result.staleReason, 'pid-dead');
    assert.equal(result.previous.pid, other.pid);
    assert.equal(typeof result.waitedMs, 'number');
    assert.ok(calls.some((call) => call.seam === 'now'));
    assert.ok(calls.every((call) => call.isMainThread));
  });

  test('polling wait times out with holder', GENEROUS, async () => {
    const dir = makeLocksDir();
    const other = holder({ pid: 4100021, hostname: MY_HOST });
    writeOriginalLock(dir, 21, other);
    const manager = new LockManager(seams(dir, { alive: [MY_PID, other.pid] }));

    const result = await manager.acquireWait(21, 'waiter', { timeoutMs: 100 });

    assert.deepEqual(result, {
      acquired: false,
      holder: other,
      lockPath: path.join(dir, '21.lock'),
      stale: false,
      staleReason: null,
      waitedMs: result.waitedMs,
    });
  });

  test('polling wait sees a release', GENEROUS, async () => {
    const dir = makeLocksDir();
    const holderManager = new LockManager(seams(dir, { pid: 4100022, alive: [4100022] }));
    assert.equal(holderManager.acquire(22, 'holder').acquired, true);
    const manager = new LockManager(seams(dir, { alive: [MY_PID, 4100022] }));

    const waiting = manager.acquireWait(22, 'waiter', { timeoutMs: LONG_WAIT_MS });
    setTimeout(() => holderManager.release(22), 50);
    const result = await waiting;

    assert.equal(result.acquired, true);
    assert.equal(manager.check(22).command, 'waiter');
  });

  test('seam exception rejects unchanged', GENEROUS, async () => {
    const dir = makeLocksDir();
    writeOriginalLock(dir, 23, holder({ pid: 4100023, hostname: MY_HOST }));
    const failure = new Error('probe failed');
    const manager = new LockManager(
      seams(dir, {
        isPidAlive: () => {
          throw failure;
        },
      }),
    );

    await assert.rejects(manager.acquireWait(23, 'waiter'), (error) => error === failure);
  });

  test('native wait refuses a seam manager', () => {
    const native = require('../build/Release/sequantlock.node');
    const manager = new native.Manager({ locksDir: makeLocksDir(), now: () => NOW });

    expectThrows(() => manager.acquireWait('24', 'x', false, 0), TypeError, 'INVALID_ARGUMENT');
  });
});

describe('acquireWait arguments', () => {
  const manager = new LockManager({ locksDir: makeLocksDir() });
  const seamManager = new LockManager(seams(makeLocksDir()));

  for (const [label, target] of [['native', manager], ['polling', seamManager]]) {
    test(`${label} wait throws synchronously`, () => {
      expectThrows(() => target.acquireWait(0, 'x'), RangeError, 'INVALID_KEY');
      expectThrows(() => target.acquireWait('bad key', 'x'), RangeError, 'INVALID_KEY');
      expectThrows(() => target.acquireWait(null, 'x'), TypeError, 'INVALID_ARGUMENT');
      expectThrows(() => target.acquireWait(1, 42), TypeError, 'INVALID_ARGUMENT');
      expectThrows(() => target.acquireWait(1, 'x', 'fast'), TypeError, 'INVALID_ARGUMENT');
      expectThrows(
        () => target.acquireWait(1, 'x', { timeoutMs: '10' }),
        TypeError,
        'INVALID_ARGUMENT',
      );
      expectThrows(
        () => target.acquireWait(1, 'x', { timeoutMs: NaN }),
        TypeError,
        'INVALID_ARGUMENT',
      );
      expectThrows(
        () => target.acquireWait(1, 'x', { timeoutMs: -1 }),
        RangeError,
        'INVALID_ARGUMENT',
      );
    });
  }
});

describe('acquireWait against the CLI', () => {
  test('acquires when CLI run ends', { ...GENEROUS, skip: skipCli }, async () => {
    const dir = makeLocksDir();
    const script = "console.log('held'); process.stdin.resume();";
    const child = spawnHolder(CLI, [
      '--locks-dir', dir, 'run', '30', '--command', 'cli run',
      '--', process.execPath, '-e', script,
    ]);
    assert.equal(await firstLineKeepReading(child), 'held');
    const manager = new LockManager({ locksDir: dir });
    assert.equal(manager.check(30).command, 'cli run');

    const waiting = manager.acquireWait(30, 'waiter', { timeoutMs: LONG_WAIT_MS });
    assert.deepEqual(await stopHolder(child), { code: 0, signal: null });
    const result = await waiting;

    assert.equal(result.acquired, true);
    assert.equal(result.stale, undefined);
    manager.release(30);
  });
});
