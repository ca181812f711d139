#!/usr/bin/env bash
# The peer floor, proven: packs this package, installs it in a throw-away consumer project with the
# lowest aws-cdk-lib and constructs it declares (peerDependencies in package.json), and synthesizes
# scripts/peer-floor-app.js there (every construct: MtaSts in testing and enforce, the cross-region
# certificate, the TLS-RPT collector with email and HTTPS). Then the same with the pinned latest
# (the devDependencies), unless --floor-only. Needs the npm registry (or a warm npm cache).
#   bash scripts/peer-floor.sh [--floor-only] [--keep]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
floor_only=false; keep=false
for a in "$@"; do case $a in --floor-only) floor_only=true ;; --keep) keep=true ;; *) echo "usage: $0 [--floor-only] [--keep]" >&2; exit 2 ;; esac; done

peer() { node -p "require('./package.json').peerDependencies['$1'].replace(/^[\^~>=]+/, '')"; }
dev() { node -p "require('./package.json').devDependencies['$1']"; }
work=$(mktemp -d /tmp/mta-sts-peer-floor.XXXXXX)
$keep || trap 'rm -rf "$work"' EXIT

[[ -f dist/lib/index.js && -f dist/bin/mta-sts.js ]] || npm run build >/dev/null
tarball=$(npm pack --ignore-scripts --silent --pack-destination "$work" | tail -1)

synth_with() { # name aws-cdk-lib constructs
  local dir=$work/$1
  mkdir -p "$dir" && cd "$dir"
  echo '{ "name": "peer-floor-consumer", "version": "1.0.0", "private": true }' > package.json
  if ! npm install --no-audit --no-fund --prefer-offline --save-exact "aws-cdk-lib@$2" "constructs@$3" "$work/$tarball" >install.log 2>&1; then
    echo "peer-floor: $1: npm install of aws-cdk-lib@$2 constructs@$3 failed:"; tail -n 20 install.log; exit 1
  fi
  cp "$root/scripts/peer-floor-app.js" app.js
  if ! out=$(CDK_OUTDIR="$dir/cdk.out" node app.js 2>&1); then
    echo "peer-floor: $1: synth with aws-cdk-lib@$2 constructs@$3 FAILED:"; echo "$out" | tail -n 20; exit 1
  fi
  echo "peer-floor: $1: aws-cdk-lib@$2 constructs@$3: $out"
  cd "$root"
}

synth_with floor "$(peer aws-cdk-lib)" "$(peer constructs)"
$floor_only || synth_with latest "$(dev aws-cdk-lib)" "$(dev constructs)"
