// signalOther's decisions and orchestrator mode.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

import {
  HOUR_MS,
  MY_PID,
  OTHER_HOST,
  exitOf,
  filesIn,
  firstLine,
  holder,
  makeLocksDir,
  seams,
  spawnSleeper,
  writeOriginalLock,
} from './helpers.js';
import { LockManager, isOrchestratorMode } from '../lib/index.js';

const moduleUrl = new URL('../lib/index.js', import.meta.url).href;

describe('signalOther', () => {
  function countingManager(answer, options = {}) {
    const probes = [];
    const manager = new LockManager(seams(makeLocksDir(), {
      isPidAlive: (pid) => {
        probes.push(pid);
        return answer;
      },
      ...options,
    }));
    return { manager, probes };
  }

  test('refuses cross-host holder', () => {
    const { manager, probes } = countingManager(true);

    const result = manager.signalOther(holder({ hostname: OTHER_HOST }));

    assert.deepEqual(result, { sent: false, reason: 'cross-host' });
    assert.deepEqual(probes, []);
  });

  test('refuses own pid without probing', () => {
    const { manager, probes } = countingManager(true);

    assert.deepEqual(manager.signalOther(holder({ pid: MY_PID })), {
      sent: false,
      reason: 'self-or-parent',
    });
    assert.deepEqual(probes, []);
  });

  test('refuses parent pid', () => {
    const { manager } = countingManager(true);

    assert.equal(manager.signalOther(holder({ pid: process.ppid })).reason, 'self-or-parent');
  });

  test('refuses holder past ceiling', () => {
    const { manager } = countingManager(true);

    const result = manager.signalOther(holder({ pid: 4300001, ageMs: 30 * 24 * HOUR_MS }));

    assert.deepEqual(result, { sent: false, reason: 'stale-pid-untrusted' });
  });

  test('reports dead holder', () => {
    const { manager, probes } = countingManager(false);

    assert.deepEqual(manager.signalOther(holder({ pid: 4300002 })), {
      sent: false,
      reason: 'pid-dead',
    });
    assert.ok(probes.includes(4300002));
  });

  test('refuses skip-PID-check holder', () => {
    const { manager } = countingManager(true);

    const result = manager.signalOther(holder({ pid: 4300003, skipPidCheck: true }));

    assert.deepEqual(result, { sent: false, reason: 'skip-pid-check' });
  });

  test('exited holder is pid-dead despite probe', async () => {
    const child = spawnSleeper();
    child.kill('SIGKILL');
    await exitOf(child);
    const { manager } = countingManager(true);

    assert.deepEqual(manager.signalOther(holder({ pid: child.pid })), {
      sent: false,
      reason: 'pid-dead',
    });
  });

  test('sends SIGTERM to live holder', async () => {
    const child = spawnSleeper();
    const { manager } = countingManager(true);

    const result = manager.signalOther(holder({ pid: child.pid }));

    assert.deepEqual(result, { sent: true, reason: 'sent' });
    assert.deepEqual(await exitOf(child), { code: null, signal: 'SIGTERM' });
  });

  test('sends the requested signal', async () => {
    const child = spawnSleeper();
    const { manager } = countingManager(true);

    assert.equal(manager.signalOther(holder({ pid: child.pid }), 'SIGINT').sent, true);
    assert.deepEqual(await exitOf(child), { code: null, signal: 'SIGINT' });
  });

  test('signals previous holder returned by forceAcquire', async () => {
    const dir = makeLocksDir();
    const script = `
      import { LockManager } from ${JSON.stringify(moduleUrl)};
      const manager = new LockManager({ locksDir: ${JSON.stringify(dir)} });
      const result = manager.acquire(77, 'child holder');
      console.log(JSON.stringify(result));
      setTimeout(() => {}, 600000);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    process.on('exit', () => child.kill('SIGKILL'));
    assert.equal(JSON.parse(await firstLine(child)).acquired, true);
    const manager = new LockManager({ locksDir: dir });

    const { previous } = manager.forceAcquire(77, 'takeover');
    const result = manager.signalOther(previous);

    assert.equal(previous.pid, child.pid);
    assert.deepEqual(result, { sent: true, reason: 'sent' });
    assert.deepEqual(await exitOf(child), { code: null, signal: 'SIGTERM' });
    manager.release(77);
  });
});

describe('orchestrator mode', () => {
  test('every method is a no-op', () => {
    const dir = makeLocksDir();
    const manager = new LockManager({ ...seams(dir), orchestratorMode: true });

    assert.equal(manager.isNoop(), true);
    assert.deepEqual(manager.acquire(1, 'x'), { acquired: true, lockPath: '' });
    assert.deepEqual(manager.forceAcquire(1, 'x'), { lockPath: '', previous: null });
    assert.deepEqual(manager.signalOther(holder({ pid: 4300010 })), {
      sent: false,
      reason: 'orchestrator',
    });
    assert.equal(manager.release(1), undefined);
    assert.equal(manager.releaseExternal(1), false);
    assert.equal(manager.releaseAll(), undefined);
    assert.equal(manager.check(1), null);
    assert.deepEqual(manager.list(), []);
    assert.deepEqual(manager.clearLock(1), { cleared: false, reason: 'orchestrator-mode' });
    assert.equal(fs.existsSync(dir), false);
  });

  test('existing locks are ignored', () => {
    const dir = makeLocksDir();
    writeOriginalLock(dir, 2, holder({ pid: 4300011 }));
    const manager = new LockManager({ ...seams(dir), orchestratorMode: true });

    assert.equal(manager.check(2), null);
    assert.deepEqual(manager.clearLock(2, { safetyCheck: false }).cleared, false);
    assert.deepEqual(filesIn(dir), ['2.lock']);
  });

  test('signalOther skips parsing the holder', () => {
    const manager = new LockManager({ ...seams(makeLocksDir()), orchestratorMode: true });

    assert.deepEqual(manager.signalOther({ pid: 'unknown' }), {
      sent: false,
      reason: 'orchestrator',
    });
  });

  test('lockPathFor still names the file', () => {
    const dir = makeLocksDir();
    const manager = new LockManager({ ...seams(dir), orchestratorMode: true });

    assert.equal(manager.lockPathFor(3), path.join(dir, '3.lock'));
  });

  test('any non-empty environment value turns it on', () => {
    for (const value of ['1', '0', 'false', 'yes']) {
      process.env.SEQUANT_ORCHESTRATOR = value;
      try {
        assert.equal(isOrchestratorMode(), true);
        assert.equal(new LockManager({ locksDir: makeLocksDir() }).isNoop(), true);
      } finally {
        delete process.env.SEQUANT_ORCHESTRATOR;
      }
    }
  });

  test('empty or unset environment leaves it off', () => {
    process.env.SEQUANT_ORCHESTRATOR = '';
    try {
      assert.equal(isOrchestratorMode(), false);
      assert.equal(new LockManager({ locksDir: makeLocksDir() }).isNoop(), false);
    } finally {
      delete process.env.SEQUANT_ORCHESTRATOR;
    }
    assert.equal(isOrchestratorMode(), false);
  });

  test('option overrides environment', () => {
    process.env.SEQUANT_ORCHESTRATOR = '1';
    try {
      const manager = new LockManager({ locksDir: makeLocksDir(), orchestratorMode: false });
      assert.equal(manager.isNoop(), false);
    } finally {
      delete process.env.SEQUANT_ORCHESTRATOR;
    }
    const forced = new LockManager({ locksDir: makeLocksDir(), orchestratorMode: true });
    assert.equal(forced.isNoop(), true);
  });
});

describe('module', () => {
  test('loads by package name', async () => {
    const byName = await import('sequantlock');

    assert.equal(byName.LockManager, LockManager);
    assert.equal(typeof byName.classifyStaleness, 'function');
  });

  test('loads in worker threads', async () => {
    const dir = makeLocksDir();
    const workers = [1, 2, 3].map((key) => new Worker(
      new URL('./fixtures/worker.js', import.meta.url),
      { workerData: { dir, key } },
    ));

    const results = await Promise.all(workers.map(async (worker) => {
      const [message] = await once(worker, 'message');
      return message;
    }));

    assert.deepEqual(results, [1, 2, 3].map(() => ({ acquired: true, held: null })));
  });

  test('package is an ES module', () => {
    const file = fileURLToPath(new URL('../package.json', import.meta.url));
    const packageJson = JSON.parse(fs.readFileSync(file, 'utf8'));

    assert.equal(packageJson.type, 'module');
    assert.equal(packageJson.exports['.'].types, './index.d.ts');
  });
});
