// Argument checks, library errors and exceptions thrown by the seams.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { holder, makeLocksDir, makeTempDir, seams, writeOriginalLock } from './helpers.js';
import { LockManager, classifyStaleness, formatLockedMessage } from '../lib/index.js';

function expectError(fn, ErrorType, code) {
  let caught;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught, 'expected an exception');
  assert.equal(caught.constructor, ErrorType);
  assert.equal(caught.code, code);
  return caught;
}

describe('argument errors', () => {
  const manager = new LockManager(seams(makeLocksDir()));

  for (const issue of [0, -3, 1.5, NaN, Infinity, 2 ** 60]) {
    test(`issue ${issue} is a RangeError`, () => {
      expectError(() => manager.acquire(issue, 'x'), RangeError, 'INVALID_KEY');
    });
  }

  test('unsafe issue number names the limit', () => {
    const error = expectError(
      () => manager.acquire(2 ** 53, 'x'),
      RangeError,
      'INVALID_KEY',
    );
    assert.match(error.message, /at most 9007199254740991, got 9007199254740992/);
    assert.match(error.message, /as a string/);
  });

  for (const key of ['', 'bad key', '-x', 'x.lock', '../up', 'a/b', 'x'.repeat(129)]) {
    test(`key ${JSON.stringify(key.slice(0, 12))} is a RangeError`, () => {
      expectError(() => manager.acquire(key, 'x'), RangeError, 'INVALID_KEY');
    });
  }

  for (const issue of [undefined, null, {}, [], 5n, true]) {
    test(`issue of type ${typeof issue} is a TypeError`, () => {
      expectError(() => manager.check(issue), TypeError, 'INVALID_ARGUMENT');
    });
  }

  test('every keyed method checks the key', () => {
    const calls = [
      () => manager.acquire(0, 'x'),
      () => manager.forceAcquire(0, 'x'),
      () => manager.release(0),
      () => manager.releaseExternal(0),
      () => manager.check(0),
      () => manager.clearLock(0),
      () => manager.lockPathFor(0),
    ];
    for (const call of calls) expectError(call, RangeError, 'INVALID_KEY');
  });

  test('non-string command is a TypeError', () => {
    expectError(() => manager.acquire(1, 42), TypeError, 'INVALID_ARGUMENT');
  });

  test('invalid options are rejected', () => {
    const dir = makeLocksDir();
    const cases = [
      [{ locksDir: 5 }, TypeError],
      [{ staleAgeMs: 0 }, RangeError],
      [{ staleAgeMs: -1 }, RangeError],
      [{ skillLockTtlMs: 'long' }, TypeError],
      [{ maxLockAgeMs: NaN }, TypeError],
      [{ hostname: 7 }, TypeError],
      [{ pid: 0 }, RangeError],
      [{ pid: 1.5 }, RangeError],
      [{ pid: '12' }, TypeError],
      [{ isPidAlive: true }, TypeError],
      [{ now: 12345 }, TypeError],
    ];
    for (const [options, ErrorType] of cases) {
      expectError(
        () => new LockManager({ locksDir: dir, ...options }),
        ErrorType,
        'INVALID_ARGUMENT',
      );
    }
    expectError(() => new LockManager('dir'), TypeError, 'INVALID_ARGUMENT');
  });

  test('infinite threshold is accepted', () => {
    const manager = new LockManager(seams(makeLocksDir(), { maxLockAgeMs: Infinity }));

    assert.equal(manager.isNoop(), false);
  });

  test('invalid holder is a TypeError', () => {
    expectError(() => manager.signalOther(null), TypeError, 'INVALID_ARGUMENT');
    expectError(() => manager.signalOther({ pid: 1 }), TypeError, 'INVALID_ARGUMENT');
    expectError(
      () => manager.signalOther({ ...holder(), pid: -4 }),
      TypeError,
      'INVALID_ARGUMENT',
    );
    expectError(() => formatLockedMessage(1, 'holder'), TypeError, 'INVALID_ARGUMENT');
  });

  test('unknown signal is a RangeError', () => {
    expectError(() => manager.signalOther(holder(), 'SIGNOPE'), RangeError, 'INVALID_ARGUMENT');
    expectError(() => manager.signalOther(holder(), -1), RangeError, 'INVALID_ARGUMENT');
    expectError(() => manager.signalOther(holder(), 0), RangeError, 'INVALID_ARGUMENT');
    expectError(() => manager.signalOther(holder(), {}), TypeError, 'INVALID_ARGUMENT');
  });

  test('classifyStaleness checks its arguments', () => {
    const record = holder();
    const alive = () => true;
    expectError(() => classifyStaleness(record, 5, 0, 1000, undefined, undefined, alive),
      TypeError, 'INVALID_ARGUMENT');
    expectError(() => classifyStaleness(record, 'h', 'now', 1000, undefined, undefined, alive),
      TypeError, 'INVALID_ARGUMENT');
    expectError(() => classifyStaleness(record, 'h', 0, 0, undefined, undefined, alive),
      RangeError, 'INVALID_ARGUMENT');
    expectError(() => classifyStaleness(record, 'h', 0, 1000, undefined, undefined, 'yes'),
      TypeError, 'INVALID_ARGUMENT');
  });
});

describe('library errors', () => {
  test('unwritable directory is an IO error', () => {
    const file = path.join(makeTempDir(), 'plain-file');
    fs.writeFileSync(file, '');
    const manager = new LockManager(seams(path.join(file, 'locks')));

    const error = expectError(() => manager.acquire(1, 'x'), Error, 'IO');

    assert.equal(error.errno, 20 /* ENOTDIR */);
    assert.equal(typeof error.path, 'string');
    assert.ok(error.path.startsWith(file));
  });

  test('list of a regular file is an IO error', () => {
    const file = path.join(makeTempDir(), 'plain-file');
    fs.writeFileSync(file, '');
    const manager = new LockManager(seams(file));

    const error = expectError(() => manager.list(), Error, 'IO');

    assert.equal(typeof error.errno, 'number');
  });
});

describe('callback exceptions', () => {
  class ProbeError extends Error {}

  test('isPidAlive exception surfaces unchanged', () => {
    const dir = makeLocksDir();
    writeOriginalLock(dir, 1, holder({ pid: 4200001 }));
    const thrown = new ProbeError('probe failed');
    const manager = new LockManager(seams(dir, {
      isPidAlive: () => {
        throw thrown;
      },
    }));

    assert.throws(() => manager.acquire(1, 'x'), (error) => error === thrown);
    const record = JSON.parse(fs.readFileSync(path.join(dir, '1.lock'), 'utf8'));
    assert.equal(record.pid, 4200001);
  });

  test('thrown primitive surfaces unchanged', () => {
    const dir = makeLocksDir();
    writeOriginalLock(dir, 2, holder({ pid: 4200002 }));
    const manager = new LockManager(seams(dir, {
      isPidAlive: () => {
        throw 'plain string';
      },
    }));

    assert.throws(() => manager.list(), (error) => error === 'plain string');
  });

  test('now exception surfaces unchanged', () => {
    const thrown = new ProbeError('clock failed');
    const manager = new LockManager(seams(makeLocksDir(), {
      now: () => {
        throw thrown;
      },
    }));

    assert.throws(() => manager.acquire(3, 'x'), (error) => error === thrown);
  });

  test('non-numeric now is a TypeError', () => {
    const manager = new LockManager(seams(makeLocksDir(), { now: () => 'noon' }));

    expectError(() => manager.acquire(4, 'x'), TypeError, 'INVALID_ARGUMENT');
  });

  test('manager works after a callback exception', () => {
    const dir = makeLocksDir();
    writeOriginalLock(dir, 5, holder({ pid: 4200005 }));
    let fail = true;
    const manager = new LockManager(seams(dir, {
      isPidAlive: () => {
        if (fail) throw new ProbeError('once');
        return false;
      },
    }));

    assert.throws(() => manager.acquire(5, 'x'), ProbeError);
    fail = false;
    assert.equal(manager.acquire(5, 'x').staleReason, 'pid-dead');
  });

  test('reentrant call from a callback is rejected', () => {
    const dir = makeLocksDir();
    writeOriginalLock(dir, 6, holder({ pid: 4200006 }));
    const manager = new LockManager(seams(dir, {
      isPidAlive: () => manager.check(6) !== null,
    }));

    expectError(() => manager.acquire(6, 'x'), Error, 'INVALID_ARGUMENT');
  });

  test('classifyStaleness rethrows isPidAlive exception', () => {
    const thrown = new ProbeError('probe failed');
    const record = holder({ hostname: 'h' });
    const probe = () => {
      throw thrown;
    };

    assert.throws(
      () => classifyStaleness(record, 'h', Date.now(), 1000, undefined, undefined, probe),
      (error) => error === thrown,
    );
  });
});
