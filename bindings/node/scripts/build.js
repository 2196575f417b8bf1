// Configures and builds the addon with CMake, offline: the Node-API headers
// come from the node-api-headers package and napi.h from node-addon-api.
//
// Environment:
//   SEQUANTLOCK_SOURCE_DIR  sequantlock source tree (default: ../.. of this
//                           package, the repository it lives in)
//   CMAKE                   the cmake executable (default: cmake on PATH)
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const buildDir = path.join(packageDir, 'build');
const cmake = process.env.CMAKE || 'cmake';

function nodeApiIncludeDir() {
  const fromPackage = require('node-api-headers').include_dir;
  if (existsSync(path.join(fromPackage, 'node_api.h'))) return fromPackage;
  const system = '/usr/include/node';
  if (existsSync(path.join(system, 'node_api.h'))) return system;
  throw new Error(`node_api.h not found in '${fromPackage}' or '${system}'`);
}

function run(args) {
  const result = spawnSync(cmake, args, { stdio: 'inherit', cwd: packageDir });
  if (result.error) {
    const reason = result.error.code === 'ENOENT'
      ? `'${cmake}' not found; install CMake 3.16 or later or set CMAKE`
      : result.error.message;
    console.error(`sequantlock: build failed: ${reason}`);
    process.exit(1);
  }
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const configure = [
  '-S', packageDir,
  '-B', buildDir,
  '-DCMAKE_BUILD_TYPE=Release',
  `-DNODE_API_INCLUDE_DIR=${nodeApiIncludeDir()}`,
  `-DNODE_ADDON_API_INCLUDE_DIR=${path.dirname(require.resolve('node-addon-api/package.json'))}`,
];
if (process.env.SEQUANTLOCK_SOURCE_DIR) {
  configure.push(`-DSEQUANTLOCK_SOURCE_DIR=${path.resolve(process.env.SEQUANTLOCK_SOURCE_DIR)}`);
}
run(configure);
run(['--build', buildDir, '--target', 'sequantlock_node', '--parallel', '2']);
