// LockManager methods and result shapes, driven through the test seams.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import {
  HOUR_MS,
  MY_HOST,
  MY_PID,
  NOW,
  OTHER_HOST,
  filesIn,
  holder,
  makeLocksDir,
  makeTempDir,
  seams,
  spawnSleeper,
  writeOriginalLock,
} from './helpers.js';
import { LockManager } from '../lib/index.js';

const ORIGINAL_FIELDS = ['pid', 'hostname', 'startedAt', 'command'];

describe('acquire', () => {
  test('acquires free issue', () => {
    const dir = makeLocksDir();
    const manager = new LockManager(seams(dir));

    const result = manager.acquire(42, 'npx sequant run 42');

    assert.deepEqual(result, {
      acquired: true,
      lockPath: path.join(dir, '42.lock'),
    });
    assert.ok(fs.existsSync(path.join(dir, '42.lock')));
  });

  test('writes record original can read', () => {
    const dir = makeLocksDir();
    new LockManager(seams(dir)).acquire(7, 'npx sequant run 7');

    const record = JSON.parse(fs.readFileSync(path.join(dir, '7.lock'), 'utf8'));

    assert.equal(record.pid, MY_PID);
    assert.equal(record.hostname, MY_HOST);
    assert.equal(record.startedAt, new Date(NOW).toISOString());
    assert.equal(record.command, 'npx sequant run 7');
    assert.equal(record.skipPidCheck, undefined);
  });

  test('records skipPidCheck only when true', () => {
    const dir = makeLocksDir();
    const manager = new LockManager(seams(dir));
    manager.acquire(8, 'skill', { skipPidCheck: true });

    const record = JSON.parse(fs.readFileSync(path.join(dir, '8.lock'), 'utf8'));

    assert.equal(record.skipPidCheck, true);
  });

  test('refuses fresh holder with five fields', () => {
    const dir = makeLocksDir();
    const other = holder({ pid: 4100002, hostname: MY_HOST });
    writeOriginalLock(dir, 9, other);
    const manager = new LockManager(seams(dir, { alive: [MY_PID, 4100002] }));

    const result = manager.acquire(9, 'mine');

    assert.deepEqual(result, {
      acquired: false,
      holder: other,
      lockPath: path.join(dir, '9.lock'),
      stale: false,
      staleReason: null,
    });
  });

  test('refused holder carries no extra fields', () => {
    const dir = makeLocksDir();
    const first = new LockManager(seams(dir, { pid: 4100003, alive: [4100003] }));
    first.acquire(10, 'first', { skipPidCheck: true });
    const second = new LockManager(seams(dir));

    const result = second.acquire(10, 'second');

    assert.equal(result.acquired, false);
    assert.deepEqual(Object.keys(result.holder), [...ORIGINAL_FIELDS, 'skipPidCheck']);
    assert.equal(result.holder.pid, 4100003);
    assert.equal(result.holder.skipPidCheck, true);
  });

  test('is not reentrant', () => {
    const dir = makeLocksDir();
    const manager = new LockManager(seams(dir));
    manager.acquire(11, 'once');

    const again = manager.acquire(11, 'twice');

    assert.equal(again.acquired, false);
    assert.equal(again.holder.pid, MY_PID);
    assert.equal(again.holder.command, 'once');
  });

  test('replaces dead same-host holder', () => {
    const dir = makeLocksDir();
    const dead = holder({ pid: 4100004 });
    writeOriginalLock(dir, 12, dead);
    const manager = new LockManager(seams(dir));

    const result = manager.acquire(12, 'mine');

    assert.equal(result.acquired, true);
    assert.equal(result.lockPath, path.join(dir, '12.lock'));
    assert.equal(result.stale, true);
    assert.equal(result.staleReason, 'pid-dead');
    assert.deepEqual(result.previous, dead);
    assert.equal(manager.check(12).pid, MY_PID);
  });

  test('replaces old cross-host holder', () => {
    const dir = makeLocksDir();
    writeOriginalLock(dir, 13, holder({ hostname: OTHER_HOST, ageMs: 3 * HOUR_MS }));
    const manager = new LockManager(seams(dir));

    const result = manager.acquire(13, 'mine');

    assert.equal(result.acquired, true);
    assert.equal(result.staleReason, 'age-exceeded');
  });

  test('refuses young cross-host holder', () => {
    const dir = makeLocksDir();
    writeOriginalLock(dir, 14, holder({ hostname: OTHER_HOST, ageMs: HOUR_MS }));
    const manager = new LockManager(seams(dir));

    assert.equal(manager.acquire(14, 'mine').acquired, false);
  });

  test('skip-PID-check holder ages out by skill TTL', () => {
    const dir = makeLocksDir();
    const alive = [MY_PID, 4100005];
    writeOriginalLock(dir, 15, holder({ pid: 4100005, ageMs: 3 * HOUR_MS, skipPidCheck: true }));
    writeOriginalLock(dir, 16, holder({ pid: 4100005, ageMs: 7 * HOUR_MS, skipPidCheck: true }));
    const manager = new LockManager(seams(dir, { alive }));

    assert.equal(manager.acquire(15, 'mine').acquired, false);
    const result = manager.acquire(16, 'mine');
    assert.equal(result.acquired, true);
    assert.equal(result.staleReason, 'age-exceeded');
  });

  test('live holder past ceiling is replaced', () => {
    const dir = makeLocksDir();
    writeOriginalLock(dir, 17, holder({ pid: 4100006, ageMs: 25 * HOUR_MS }));
    const manager = new LockManager(seams(dir, { alive: [MY_PID, 4100006] }));

    const result = manager.acquire(17, 'mine');

    assert.equal(result.acquired, true);
    assert.equal(result.staleReason, 'max-age-exceeded');
  });

  test('thresholds come from options', () => {
    const dir = makeLocksDir();
    writeOriginalLock(dir, 18, holder({ hostname: OTHER_HOST, ageMs: 10_000 }));
    const manager = new LockManager(seams(dir, { staleAgeMs: 5_000 }));

    assert.equal(manager.acquire(18, 'mine').staleReason, 'age-exceeded');
  });

  test('corrupt file inside grace occupies key', () => {
    const dir = makeLocksDir();
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, '19.lock'), '');
    const manager = new LockManager(seams(dir));

    const result = manager.acquire(19, 'mine');

    assert.equal(result.acquired, false);
    assert.equal(result.holder, null);
    assert.equal(result.corrupt, true);
    assert.equal(result.stale, false);
  });

  test('corrupt file past grace is replaced', () => {
    const dir = makeLocksDir();
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, '20.lock');
    fs.writeFileSync(file, '{"pid": "not a number"');
    const old = new Date(NOW - 60_000);
    fs.utimesSync(file, old, old);
    const manager = new LockManager(seams(dir));

    const result = manager.acquire(20, 'mine');

    assert.equal(result.acquired, true);
    assert.equal(result.stale, true);
    assert.equal(result.staleReason, 'corrupt');
    assert.equal(result.previous, null);
  });

  test('accepts named keys', () => {
    const dir = makeLocksDir();
    const manager = new LockManager(seams(dir));

    const result = manager.acquire('checkout', 'merger');

    assert.equal(result.acquired, true);
    assert.equal(result.lockPath, path.join(dir, 'checkout.lock'));
  });

  test('creates the locks directory', () => {
    const dir = path.join(makeTempDir(), 'a', 'b', 'locks');
    new LockManager(seams(dir)).acquire(21, 'mine');

    assert.ok(fs.statSync(dir).isDirectory());
  });

  test('leaves no temporary files', () => {
    const dir = makeLocksDir();
    writeOriginalLock(dir, 22, holder({ pid: 4100007 }));
    const manager = new LockManager(seams(dir));
    manager.acquire(22, 'mine');
    manager.acquire(23, 'mine');
    manager.forceAcquire(23, 'again');

    assert.deepEqual(filesIn(dir).filter((name) => !name.startsWith('.')), [
      '22.lock',
      '23.lock',
    ]);
  });
});

describe('forceAcquire', () => {
  test('takes fresh lock and names previous', () => {
    const dir = makeLocksDir();
    const other = holder({ pid: 4100010 });
    writeOriginalLock(dir, 30, other);
    const manager = new LockManager(seams(dir, { alive: [MY_PID, 4100010] }));

    const result = manager.forceAcquire(30, 'takeover');

    assert.deepEqual(result, { lockPath: path.join(dir, '30.lock'), previous: other });
    assert.equal(manager.check(30).command, 'takeover');
  });

  test('previous is null for free key', () => {
    const dir = makeLocksDir();
    const manager = new LockManager(seams(dir));

    assert.deepEqual(manager.forceAcquire(31, 'takeover'), {
      lockPath: path.join(dir, '31.lock'),
      previous: null,
    });
  });

  test('replaces corrupt file', () => {
    const dir = makeLocksDir();
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, '32.lock'), '');
    const manager = new LockManager(seams(dir));

    const result = manager.forceAcquire(32, 'takeover');

    assert.equal(result.previous, null);
    assert.equal(manager.check(32).command, 'takeover');
  });

  test('passes skipPidCheck through', () => {
    const dir = makeLocksDir();
    const manager = new LockManager(seams(dir));
    manager.forceAcquire(33, 'skill', { skipPidCheck: true });

    assert.equal(manager.check(33).skipPidCheck, true);
  });
});

describe('release', () => {
  test('removes own lock and is idempotent', () => {
    const dir = makeLocksDir();
    const manager = new LockManager(seams(dir));
    manager.acquire(40, 'mine');

    assert.equal(manager.release(40), undefined);
    assert.equal(fs.existsSync(path.join(dir, '40.lock')), false);
    assert.equal(manager.release(40), undefined);
  });

  test('leaves another holder alone', () => {
    const dir = makeLocksDir();
    writeOriginalLock(dir, 41, holder({ pid: 4100020 }));
    const manager = new LockManager(seams(dir, { alive: [MY_PID, 4100020] }));

    manager.release(41);

    assert.equal(manager.check(41).pid, 4100020);
  });

  test('removes original record with own pid', () => {
    const dir = makeLocksDir();
    writeOriginalLock(dir, 42, holder({ pid: MY_PID }));
    const manager = new LockManager(seams(dir));

    manager.release(42);

    assert.equal(manager.check(42), null);
  });

  test('releaseAll drops every held lock', () => {
    const dir = makeLocksDir();
    const manager = new LockManager(seams(dir));
    manager.acquire(43, 'a');
    manager.acquire(44, 'b');
    writeOriginalLock(dir, 45, holder({ pid: 4100021 }));
    const other = new LockManager(seams(dir, { pid: 4100021, alive: [4100021] }));

    assert.equal(manager.releaseAll(), undefined);

    assert.equal(manager.check(43), null);
    assert.equal(manager.check(44), null);
    assert.equal(other.check(45).pid, 4100021);
  });
});

describe('releaseExternal', () => {
  test('removes skip-PID-check lock of another pid', () => {
    const dir = makeLocksDir();
    writeOriginalLock(dir, 50, holder({ pid: 4100030, skipPidCheck: true }));
    const manager = new LockManager(seams(dir));

    assert.equal(manager.releaseExternal(50), true);
    assert.equal(manager.check(50), null);
  });

  test('keeps normal lock of another pid', () => {
    const dir = makeLocksDir();
    writeOriginalLock(dir, 51, holder({ pid: 4100031 }));
    const manager = new LockManager(seams(dir, { alive: [MY_PID, 4100031] }));

    assert.equal(manager.releaseExternal(51), false);
    assert.equal(manager.check(51).pid, 4100031);
  });

  test('removes normal lock with own pid', () => {
    const dir = makeLocksDir();
    writeOriginalLock(dir, 52, holder({ pid: MY_PID }));
    const manager = new LockManager(seams(dir));

    assert.equal(manager.releaseExternal(52), true);
  });

  test('keeps cross-host lock', () => {
    const dir = makeLocksDir();
    writeOriginalLock(dir, 53, holder({ hostname: OTHER_HOST, skipPidCheck: true }));
    const manager = new LockManager(seams(dir));

    assert.equal(manager.releaseExternal(53), false);
    assert.notEqual(manager.check(53), null);
  });

  test('returns false without lock', () => {
    const manager = new LockManager(seams(makeLocksDir()));

    assert.equal(manager.releaseExternal(54), false);
  });

  test('keeps corrupt file', () => {
    const dir = makeLocksDir();
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, '55.lock'), 'not json');
    const manager = new LockManager(seams(dir));

    assert.equal(manager.releaseExternal(55), false);
    assert.ok(fs.existsSync(path.join(dir, '55.lock')));
  });
});

describe('check', () => {
  test('returns holder record', () => {
    const dir = makeLocksDir();
    const other = holder({ pid: 4100040, skipPidCheck: true });
    writeOriginalLock(dir, 60, other);
    const manager = new LockManager(seams(dir));

    assert.deepEqual(manager.check(60), other);
  });

  test('returns stale holder unchanged', () => {
    const dir = makeLocksDir();
    const dead = holder({ pid: 4100041 });
    writeOriginalLock(dir, 61, dead);
    const manager = new LockManager(seams(dir));

    assert.deepEqual(manager.check(61), dead);
    assert.ok(fs.existsSync(path.join(dir, '61.lock')));
  });

  test('returns null for missing or corrupt', () => {
    const dir = makeLocksDir();
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, '63.lock'), '');
    const manager = new LockManager(seams(dir));

    assert.equal(manager.check(62), null);
    assert.equal(manager.check(63), null);
  });

  test('does not create the directory', () => {
    const dir = makeLocksDir();
    const manager = new LockManager(seams(dir));
    manager.check(64);
    manager.list();

    assert.equal(fs.existsSync(dir), false);
  });
});

describe('list', () => {
  test('returns empty list without directory', () => {
    assert.deepEqual(new LockManager(seams(makeLocksDir())).list(), []);
  });

  test('lists entries sorted numerically', () => {
    const dir = makeLocksDir();
    const alive = [MY_PID, 4100050];
    const fresh = holder({ pid: 4100050, ageMs: 5000 });
    const dead = holder({ pid: 4100051, ageMs: 7000 });
    const remote = holder({ hostname: OTHER_HOST, ageMs: 3 * HOUR_MS });
    writeOriginalLock(dir, 100, fresh);
    writeOriginalLock(dir, 2, dead);
    writeOriginalLock(dir, 10, remote);
    const manager = new LockManager(seams(dir, { alive }));

    const listings = manager.list();

    assert.deepEqual(listings, [
      {
        issue: 2,
        holder: dead,
        ageMs: 7000,
        stale: true,
        staleReason: 'pid-dead',
        lockPath: path.join(dir, '2.lock'),
      },
      {
        issue: 10,
        holder: remote,
        ageMs: 3 * HOUR_MS,
        stale: true,
        staleReason: 'age-exceeded',
        lockPath: path.join(dir, '10.lock'),
      },
      {
        issue: 100,
        holder: fresh,
        ageMs: 5000,
        stale: false,
        staleReason: null,
        lockPath: path.join(dir, '100.lock'),
      },
    ]);
  });

  test('skips named keys and other files', () => {
    const dir = makeLocksDir();
    writeOriginalLock(dir, 'checkout', holder({ pid: MY_PID }));
    writeOriginalLock(dir, 5, holder({ pid: MY_PID }));
    fs.writeFileSync(path.join(dir, 'session-abc.issue'), '5');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'hello');
    const manager = new LockManager(seams(dir));

    assert.deepEqual(manager.list().map((listing) => listing.issue), [5]);
  });

  test('skips issue numbers beyond safe integers', () => {
    const dir = makeLocksDir();
    writeOriginalLock(dir, '9007199254740992', holder({ pid: MY_PID }));
    writeOriginalLock(dir, '9007199254740993', holder({ pid: MY_PID }));
    writeOriginalLock(dir, 7, holder({ pid: MY_PID }));
    const manager = new LockManager(seams(dir));

    assert.deepEqual(manager.list().map((listing) => listing.issue), [7]);
    assert.notEqual(manager.check('9007199254740993'), null);
  });

  test('includes corrupt files on request', () => {
    const dir = makeLocksDir();
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, '6.lock'), '');
    const manager = new LockManager(seams(dir));

    assert.deepEqual(manager.list(), []);
    const [listing] = manager.list({ includeCorrupt: true });
    assert.equal(listing.issue, 6);
    assert.equal(listing.holder, null);
    assert.equal(listing.corrupt, true);
    assert.equal(listing.lockPath, path.join(dir, '6.lock'));
  });
});

describe('clearLock', () => {
  test('reports no-lock', () => {
    const manager = new LockManager(seams(makeLocksDir()));

    assert.deepEqual(manager.clearLock(70), { cleared: false, reason: 'no-lock' });
  });

  test('refuses fresh lock by default', () => {
    const dir = makeLocksDir();
    writeOriginalLock(dir, 71, holder({ pid: 4100060 }));
    const manager = new LockManager(seams(dir, { alive: [MY_PID, 4100060] }));

    assert.deepEqual(manager.clearLock(71), {
      cleared: false,
      reason: 'fresh-same-host-alive',
    });
    assert.ok(fs.existsSync(path.join(dir, '71.lock')));
  });

  test('refuses fresh cross-host lock', () => {
    const dir = makeLocksDir();
    writeOriginalLock(dir, 72, holder({ hostname: OTHER_HOST }));
    const manager = new LockManager(seams(dir));

    assert.equal(manager.clearLock(72, { safetyCheck: true }).reason, 'fresh-same-host-alive');
  });

  test('clears stale lock', () => {
    const dir = makeLocksDir();
    writeOriginalLock(dir, 73, holder({ pid: 4100061 }));
    const manager = new LockManager(seams(dir));

    assert.deepEqual(manager.clearLock(73), { cleared: true, reason: 'cleared' });
    assert.equal(fs.existsSync(path.join(dir, '73.lock')), false);
  });

  test('clears fresh lock without safety check', () => {
    const dir = makeLocksDir();
    writeOriginalLock(dir, 74, holder({ pid: 4100062 }));
    const manager = new LockManager(seams(dir, { alive: [MY_PID, 4100062] }));

    assert.deepEqual(manager.clearLock(74, { safetyCheck: false }), {
      cleared: true,
      reason: 'cleared',
    });
  });

  test('clears corrupt file past grace', () => {
    const dir = makeLocksDir();
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, '75.lock');
    fs.writeFileSync(file, '');
    const old = new Date(NOW - 60_000);
    fs.utimesSync(file, old, old);
    const manager = new LockManager(seams(dir));

    assert.deepEqual(manager.clearLock(75), { cleared: true, reason: 'cleared' });
  });

  test('does not drop held lock from releaseAll', () => {
    const dir = makeLocksDir();
    const manager = new LockManager(seams(dir));
    manager.acquire(76, 'mine');
    manager.clearLock(76, { safetyCheck: false });
    const other = new LockManager(seams(dir, { pid: 4100063, alive: [4100063] }));
    other.acquire(76, 'other');

    manager.releaseAll();

    assert.equal(other.check(76).pid, 4100063);
  });
});

describe('paths and identity', () => {
  test('lockPathFor joins key and suffix', () => {
    const dir = makeLocksDir();
    const manager = new LockManager(seams(dir));

    assert.equal(manager.lockPathFor(604), path.join(dir, '604.lock'));
    assert.equal(manager.lockPathFor('checkout'), path.join(dir, 'checkout.lock'));
  });

  test('getLocksDir resolves relative option', () => {
    const base = makeTempDir();
    const previous = process.cwd();
    process.chdir(base);
    try {
      const manager = new LockManager({ locksDir: 'rel/locks' });
      assert.equal(manager.getLocksDir(), path.join(base, 'rel', 'locks'));
    } finally {
      process.chdir(previous);
    }
  });

  test('isNoop is false by default', () => {
    assert.equal(new LockManager(seams(makeLocksDir())).isNoop(), false);
  });

  test('defaults use real pid and host', () => {
    const dir = makeLocksDir();
    const manager = new LockManager({ locksDir: dir });
    manager.acquire(80, 'mine');

    const record = manager.check(80);

    assert.equal(record.pid, process.pid);
    assert.equal(typeof record.hostname, 'string');
    manager.release(80);
    assert.equal(manager.check(80), null);
  });
});

describe('test seams', () => {
  test('isPidAlive receives holder pid', () => {
    const dir = makeLocksDir();
    writeOriginalLock(dir, 90, holder({ pid: 4100070 }));
    const probed = [];
    const manager = new LockManager(
      seams(dir, {
        isPidAlive: (pid) => {
          probed.push(pid);
          return true;
        },
      }),
    );

    assert.equal(manager.acquire(90, 'mine').acquired, false);
    assert.ok(probed.includes(4100070));
  });

  test('truthy isPidAlive answers count as alive', () => {
    const dir = makeLocksDir();
    writeOriginalLock(dir, 91, holder({ pid: 4100071 }));
    const manager = new LockManager(seams(dir, { isPidAlive: () => 1 }));

    assert.equal(manager.acquire(91, 'mine').acquired, false);
  });

  test('now seam decides the age', () => {
    const dir = makeLocksDir();
    writeOriginalLock(dir, 92, holder({ hostname: OTHER_HOST, ageMs: 1000 }));
    const manager = new LockManager(seams(dir, { now: () => NOW + 3 * HOUR_MS }));

    const [listing] = manager.list();

    assert.equal(listing.ageMs, 3 * HOUR_MS + 1000);
    assert.equal(listing.staleReason, 'age-exceeded');
  });

  test('hostname seam decides same host', () => {
    const dir = makeLocksDir();
    writeOriginalLock(dir, 93, holder({ hostname: 'elsewhere', pid: 4100072 }));
    const here = new LockManager(seams(dir, { hostname: 'elsewhere' }));
    const there = new LockManager(seams(dir));

    assert.equal(there.list()[0].stale, false);
    assert.equal(here.list()[0].staleReason, 'pid-dead');
  });

  test('pid seam is the recorded holder', () => {
    const dir = makeLocksDir();
    const manager = new LockManager(seams(dir, { pid: 4242 }));
    manager.acquire(94, 'mine');

    assert.equal(manager.check(94).pid, 4242);
  });
});

describe('process identity', () => {
  test('live pid started after record is pid-reused', () => {
    const dir = makeLocksDir();
    const sleeper = spawnSleeper();
    const record = {
      pid: sleeper.pid,
      hostname: os.hostname(),
      startedAt: new Date(Date.now() - HOUR_MS).toISOString(),
      command: 'older lock',
    };
    writeOriginalLock(dir, 95, record);
    const manager = new LockManager({ locksDir: dir });

    const [listing] = manager.list();

    assert.equal(listing.stale, true);
    assert.equal(listing.staleReason, 'pid-reused');
    sleeper.kill('SIGKILL');
  });

  test('record from another boot is host-rebooted', () => {
    const dir = makeLocksDir();
    const manager = new LockManager({ locksDir: dir });
    manager.acquire(96, 'mine');
    const record = JSON.parse(fs.readFileSync(path.join(dir, '96.lock'), 'utf8'));
    record.bootId = '00000000-0000-0000-0000-000000000000';
    fs.writeFileSync(path.join(dir, '97.lock'), JSON.stringify(record));

    const listings = manager.list();

    assert.deepEqual(listings.map((listing) => listing.staleReason), [null, 'host-rebooted']);
    manager.release(96);
  });

  test('proved holder survives the ceiling', () => {
    const dir = makeLocksDir();
    const manager = new LockManager({ locksDir: dir });
    manager.acquire(98, 'mine');
    const later = new LockManager({ locksDir: dir, now: () => Date.now() + 25 * HOUR_MS });

    const [listing] = later.list();

    assert.equal(listing.stale, false);
    assert.equal(later.acquire(98, 'later').acquired, false);
    manager.release(98);
  });
});
