// The functions and constants exported beside LockManager.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { HOUR_MS, NOW, exitOf, holder, spawnSleeper } from './helpers.js';
import {
  CORRUPT_GRACE_MS,
  DEFAULT_LOCKS_DIR,
  DEFAULT_MAX_LOCK_AGE_MS,
  DEFAULT_SKILL_LOCK_TTL_MS,
  DEFAULT_STALE_AGE_MS,
  classifyStaleness,
  defaultIsPidAlive,
  formatLockedMessage,
  version,
} from '../lib/index.js';

describe('constants', () => {
  test('defaults match the original', () => {
    assert.equal(DEFAULT_STALE_AGE_MS, 2 * HOUR_MS);
    assert.equal(DEFAULT_SKILL_LOCK_TTL_MS, 6 * HOUR_MS);
    assert.equal(DEFAULT_MAX_LOCK_AGE_MS, 24 * HOUR_MS);
    assert.equal(DEFAULT_LOCKS_DIR, '.sequant/locks');
    assert.equal(CORRUPT_GRACE_MS, 2000);
  });

  test('version is a semantic version', () => {
    assert.match(version, /^\d+\.\d+\.\d+/);
  });
});

describe('classifyStaleness', () => {
  const HOST = 'here';
  const alive = () => true;
  const dead = () => false;

  function classify(record, isPidAlive, { skill, max, stale = 2 * HOUR_MS } = {}) {
    return classifyStaleness(record, HOST, NOW, stale, skill, max, isPidAlive);
  }

  test('same-host live holder is fresh at any age', () => {
    assert.equal(classify(holder({ hostname: HOST, ageMs: 20 * HOUR_MS }), alive), null);
  });

  test('same-host dead holder is pid-dead', () => {
    assert.equal(classify(holder({ hostname: HOST }), dead), 'pid-dead');
  });

  test('cross-host holder ages out by staleAgeMs', () => {
    const young = holder({ hostname: 'there', ageMs: 2 * HOUR_MS });
    const old = holder({ hostname: 'there', ageMs: 2 * HOUR_MS + 1 });

    assert.equal(classify(young, dead), null);
    assert.equal(classify(old, dead), 'age-exceeded');
  });

  test('omitted skill TTL defaults to staleAgeMs', () => {
    const record = holder({ hostname: HOST, ageMs: 3 * HOUR_MS, skipPidCheck: true });

    assert.equal(classify(record, alive), 'age-exceeded');
    assert.equal(classify(record, alive, { skill: 6 * HOUR_MS }), null);
  });

  test('skill TTL applies on other hosts', () => {
    const record = holder({ hostname: 'there', ageMs: 3 * HOUR_MS, skipPidCheck: true });

    assert.equal(classify(record, alive, { skill: 6 * HOUR_MS }), null);
    assert.equal(classify(record, alive, { skill: 3 * HOUR_MS - 1 }), 'age-exceeded');
  });

  test('omitted ceiling is 24 hours', () => {
    const under = holder({ hostname: HOST, ageMs: 24 * HOUR_MS });
    const over = holder({ hostname: HOST, ageMs: 24 * HOUR_MS + 1 });

    assert.equal(classify(under, alive), null);
    assert.equal(classify(over, alive), 'max-age-exceeded');
  });

  test('explicit ceiling overrides the default', () => {
    const record = holder({ hostname: 'there', ageMs: 90 * 60 * 1000 });

    assert.equal(classify(record, alive, { max: HOUR_MS }), 'max-age-exceeded');
  });

  test('ceiling ignores the environment', () => {
    process.env.SEQUANT_MAX_LOCK_AGE_MS = '1000';
    try {
      assert.equal(classify(holder({ hostname: HOST, ageMs: HOUR_MS }), alive), null);
    } finally {
      delete process.env.SEQUANT_MAX_LOCK_AGE_MS;
    }
  });

  test('probe receives the holder pid', () => {
    const probed = [];
    classify(holder({ hostname: HOST, pid: 4400001 }), (pid) => {
      probed.push(pid);
      return true;
    });

    assert.deepEqual(probed, [4400001]);
  });

  test('unparseable same-host start time is decided by pid', () => {
    const record = { ...holder({ hostname: HOST }), startedAt: 'not-a-date' };

    assert.equal(classify(record, alive), null);
    assert.equal(classify(record, dead), 'pid-dead');
  });

  test('default probe sees this process alive', () => {
    const record = holder({ hostname: HOST, pid: process.pid });

    assert.equal(classifyStaleness(record, HOST, NOW, 1000, undefined, undefined), null);
  });
});

describe('formatLockedMessage', () => {
  test('formats the canonical refusal', () => {
    const record = {
      pid: 12345,
      hostname: 'h',
      startedAt: '2026-05-10T14:32:00.000Z',
      command: 'npx sequant fullsolve 604',
    };

    assert.equal(
      formatLockedMessage(604, record),
      'Issue #604 is being worked on by PID 12345 since 2026-05-10T14:32:00.000Z '
        + '(npx sequant fullsolve 604). Use --force to take over, or wait for the '
        + 'other session.',
    );
  });

  test('keeps control characters off the line', () => {
    const record = { ...holder(), command: 'evil\ncommand\u001b[31m' };

    assert.equal(formatLockedMessage(1, record).includes('\n'), false);
    assert.equal(formatLockedMessage(1, record).includes('\u001b'), false);
  });
});

describe('defaultIsPidAlive', () => {
  test('this process is alive', () => {
    assert.equal(defaultIsPidAlive(process.pid), true);
  });

  test('exited child is dead', async () => {
    const child = spawnSleeper();
    child.kill('SIGKILL');
    await exitOf(child);

    assert.equal(defaultIsPidAlive(child.pid), false);
  });

  test('non-positive or non-integer pid is dead', () => {
    for (const pid of [0, -1, 1.5, NaN, '1', undefined]) {
      assert.equal(defaultIsPidAlive(pid), false, `pid ${String(pid)}`);
    }
  });
});
