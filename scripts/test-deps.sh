#!/usr/bin/env bash
# Installs what the end-to-end test (test/e2e) needs, when it is missing:
#   mta-sts-query, mta-sts-daemon  the real MTA-STS client     (postfix-mta-sts-resolver)
#   dnsmasq                        DNS on loopback               (dnsmasq-base: binary only, no service)
#   unshare                        throwaway namespaces          (util-linux)
#   ip                             bring up lo in the namespace  (iproute2)
#   openssl                        the private CA made per run   (openssl)
#   /usr/bin/python3               the harness's servers         (python3)
# Idempotent: when everything is there it installs nothing. It installs only as root or with
# passwordless sudo, and never fails the test run: when it cannot install, it says why and
# the e2e test skips visibly (or fails, when CI=true).
set -uo pipefail

say() { echo "test-deps: $*"; }

# command -> Debian package
declare -A PKG_OF=(
  [mta-sts-query]=postfix-mta-sts-resolver
  [mta-sts-daemon]=postfix-mta-sts-resolver
  [dnsmasq]=dnsmasq-base
  [unshare]=util-linux
  [ip]=iproute2
  [openssl]=openssl
  [/usr/bin/python3]=python3
)
# Look in the sbin directories too (dnsmasq and ip live there; a non-root PATH may lack them).
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

# An executable program (bash's `command -v` alone also names a non-executable file).
have() { local p; p=$(command -v "$1") && [[ -f $p && -x $p ]]; }

missing_pkgs=()
missing_cmds=()
for cmd in mta-sts-query mta-sts-daemon dnsmasq unshare ip openssl /usr/bin/python3; do
  if ! have "$cmd"; then
    missing_cmds+=("$cmd")
    pkg=${PKG_OF[$cmd]}
    [[ " ${missing_pkgs[*]} " == *" $pkg "* ]] || missing_pkgs+=("$pkg")
  fi
done

if ((${#missing_pkgs[@]} == 0)); then
  say "nothing to install (mta-sts-query, mta-sts-daemon, dnsmasq, unshare, ip, openssl, python3 present)"
  exit 0
fi
say "missing: ${missing_cmds[*]}"

if ! command -v apt-get >/dev/null 2>&1; then
  say "no apt-get on this machine: install ${missing_pkgs[*]} (Debian names) yourself; the e2e test will skip (under CI=true: fail)"
  exit 0
fi
if [[ $(id -u) == 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  say "not root and no passwordless sudo: cannot install ${missing_pkgs[*]}; the e2e test will skip (under CI=true: fail)"
  exit 0
fi

log=$(mktemp /tmp/test-deps.XXXXXX.log)
apt_opts=(-q -o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
say "apt-get update"
if ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" update </dev/null >"$log" 2>&1; then
  say "apt-get update failed (see $log); trying the install with the lists we have"
fi
say "apt-get install -y --no-install-recommends ${missing_pkgs[*]}"
if "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" install -y --no-install-recommends \
  "${missing_pkgs[@]}" </dev/null >>"$log" 2>&1; then
  say "installed ${missing_pkgs[*]}"
  rm -f "$log"
else
  say "apt-get install failed (last lines of $log follow); the e2e test will skip, or fail under CI"
  tail -n 15 "$log" | sed 's/^/test-deps:   /'
fi
still=()
for cmd in "${missing_cmds[@]}"; do have "$cmd" || still+=("$cmd"); done
((${#still[@]} == 0)) || say "still missing: ${still[*]}; the e2e test will skip, or fail under CI"
exit 0
