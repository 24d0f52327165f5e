#!/usr/bin/env bash
# Rebuild Drachma's web assets from the npm versions pinned in package-lock.json.
# Needs Node.js and the npm registry; a user's install does not (the output is committed).
#   assets/build.sh          # npm ci, then compile and copy into drachma/web/static and tests/browser
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
static="$root/drachma/web/static"
cd "$here"
npm ci --no-audit --no-fund --ignore-scripts
npx sass --no-source-map --style=compressed --pkg-importer=node drachma.scss "$static/drachma.css"
cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js "$static/govuk-frontend.min.js"
# govuk-frontend ships no licence file in its npm package; its licence (MIT) is named in docs/web.md.
mkdir -p "$root/tests/browser"
cp node_modules/axe-core/axe.min.js "$root/tests/browser/axe.min.js"
cp node_modules/axe-core/LICENSE "$root/tests/browser/axe-core-LICENSE.txt"
echo "built: $(wc -c < "$static/drachma.css") bytes of CSS; govuk-frontend $(node -p "require('govuk-frontend/package.json').version"), axe-core $(node -p "require('axe-core/package.json').version")"
