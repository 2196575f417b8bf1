// The whole-process peer of `sequantlock check`: load the original's lock
// module, read one record, probe its pid, exit 1 when held and 0 when free.
// Usage: node check-original.mjs DIR KEY
import path from "node:path";

import { readLockSafe } from "../tests/interop/original-lock.mjs";

const [dir, key] = process.argv.slice(2);
const holder = readLockSafe(path.join(dir, `${key}.lock`));
let held = false;
if (holder) {
  try {
    process.kill(holder.pid, 0);
    held = true;
  } catch (error) {
    held = error.code === "EPERM";
  }
}
process.exitCode = held ? 1 : 0;
