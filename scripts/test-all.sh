#!/usr/bin/env bash
# All tests of the repository: the TypeScript side (builds first), the linters and formatters of both sides, then the
# Python side with Debian's interpreter (the python3 first on PATH may be a build that does not see Debian's packages).
set -euo pipefail
cd "$(dirname "$0")/.."
npm test
npm run lint
if [ -d models/tests ]; then
  /usr/bin/python3 -m pytest -q models/tests
fi
