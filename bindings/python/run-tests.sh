#!/usr/bin/env bash
# Build and install the sequantlock Python package into a virtual
# environment under build/, then run its pytest suite.
#
# Environment:
#   PYTHON           interpreter for the virtual environment (default python3)
#   SEQUANTLOCK_CLI  path of the sequantlock command-line tool; without it the
#                    cross-language tests are skipped
# Arguments are passed to pytest.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${here}/build/venv"
python="${PYTHON:-python3}"

if [[ ! -x "${venv}/bin/python" ]]; then
  "${python}" -m venv "${venv}"
fi
"${venv}/bin/python" -m pip install --quiet --upgrade pip
"${venv}/bin/python" -m pip install --quiet "${here}[test]"

# Run from the tests directory so that the installed package, not the
# source tree, is imported.
cd "${here}/tests"
exec "${venv}/bin/python" -m pytest -p no:cacheprovider "$@"
