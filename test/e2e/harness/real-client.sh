#!/usr/bin/env bash
# real-client.sh - serve a domain's MTA-STS artefacts on loopback and ask a REAL sending-side
# MTA-STS client about them: `mta-sts-query` from Debian's postfix-mta-sts-resolver, and its
# `mta-sts-daemon` over the socketmap Postfix uses.
#
# Usage:  real-client.sh [--no-daemon] DIR     run; the last line is  VERDICT {json}
#         real-client.sh check                 exit 0 if this machine can run it, else say why
# DIR holds:
#   domain          the policy domain, e.g. example.com
#   policy          the policy body, the exact bytes to serve
#   mta-sts.record  the _mta-sts.<domain> TXT value(s), raw (not zone-file quoted), one RR a line
#   tlsrpt.record   the _smtp._tls.<domain> TXT value(s), same format
#   content-type    optional: the Content-Type header to send (default text/plain; empty: none)
#   cert-name       optional: the name the served certificate is for (default mta-sts.<domain>)
#   delegation      optional: "<delegation zone> <routing endpoint>" for a domain on external DNS:
#                   _mta-sts.<domain> and _smtp._tls.<domain> are CNAMEs to their names in the
#                   delegation zone (which hold the TXT records), mta-sts.<domain> a CNAME to the
#                   endpoint (which has the HTTPS server's address)
# Exit status: 0 when the run happened (whatever the client said: read the VERDICT line),
# 2 when the harness could not set up (the reason is printed).
#
# Safety: everything runs inside new network + mount + pid namespaces (unshare). The network
# namespace has only `lo`, so nothing can leave it; DNS (dnsmasq, 127.0.0.1:53) and HTTPS
# (127.0.0.10:443) listen only there. Private resolv.conf, hosts and nsswitch.conf are
# bind-mounted over /etc inside the private mount namespace only. The client trusts only a CA
# made for this run. Every server is killed at the end (and the kernel kills whatever is left
# when the namespace's PID 1 exits); the work dir under /tmp is removed
# (MTA_STS_E2E_KEEP=1 keeps it). Nothing on the host is changed.
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SELF="$HERE/$(basename "${BASH_SOURCE[0]}")"
PY=/usr/bin/python3  # Debian's python: the one mta-sts-query runs on
CLEAN_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH="$CLEAN_PATH:$PATH"

die() { echo "real-client: $*" >&2; exit 2; }

# Root uses the namespaces directly; anyone else gets them inside a user namespace.
if [[ $(id -u) == 0 ]]; then USERNS=(); else USERNS=(--user --map-root-user); fi
UNSHARE=(unshare "${USERNS[@]}" --net --mount --pid --fork --kill-child --mount-proc)

# An executable program (bash's `command -v` alone also names a non-executable file).
have() { local p; p=$(command -v "$1") && [[ -f $p && -x $p ]]; }

check() {
  local missing=() c
  for c in mta-sts-query mta-sts-daemon dnsmasq unshare ip openssl "$PY"; do
    have "$c" || missing+=("$c")
  done
  ((${#missing[@]} == 0)) || { echo "missing: ${missing[*]} (bash scripts/test-deps.sh installs them)"; return 3; }
  local err
  if ! err=$("${UNSHARE[@]}" true 2>&1); then
    echo "cannot create namespaces with '${UNSHARE[*]}': $err"; return 3
  fi
}

# ---------------------------------------------------------------------------------------------
# Inside the namespaces: this script again, as PID 1 of the new pid namespace.
PIDS=()
stop_all() {
  local p
  ((${#PIDS[@]})) || return 0
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  sleep 0.2
  for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  wait "${PIDS[@]}" 2>/dev/null || true
}

inner() {
  local W=$1 daemon=$2 f
  # shellcheck disable=SC1091
  source "$W/env.sh"  # DOMAIN, CERT_NAME
  trap stop_all EXIT
  ip link set lo up
  [[ $(ip -o link show | awk -F': ' '{print $2}') == lo ]] ||
    { echo "the namespace has other interfaces than lo: $(ip -o link show)" >"$W/inner.err"; exit 2; }
  for f in resolv.conf hosts nsswitch.conf; do mount --bind "$W/etc/$f" "/etc/$f"; done

  dnsmasq --keep-in-foreground --conf-file="$W/dnsmasq.conf" 2>"$W/dnsmasq.err" &
  PIDS+=($!)
  "$PY" "$HERE/helper.py" serve "$W" 2>"$W/https.err" &
  PIDS+=($!)
  # The client's environment: no proxy, an empty HOME (no ~/.netrc), trusting only this run's CA.
  mkdir "$W/home"
  local client_env=(env -i PATH="$CLEAN_PATH" LANG=C.UTF-8 HOME="$W/home"
    SSL_CERT_FILE="$W/pki/ca.pem" SSL_CERT_DIR="$W/pki/none")
  if ((daemon)); then
    "${client_env[@]}" mta-sts-daemon -c "$W/daemon.yml" -v debug -l "$W/daemon.log" >/dev/null 2>&1 &
    PIDS+=($!)
  fi
  "$PY" "$HERE/helper.py" ready "$W" >"$W/ready.out" 2>&1 ||
    { echo "DNS or HTTPS server not ready, or DNS does not serve the input: $(cat "$W/ready.out" "$W/dnsmasq.err" "$W/dnsmasq.log" "$W/https.err" 2>/dev/null)" >"$W/inner.err"; exit 2; }

  # The real client.
  local rc=0
  "${client_env[@]}" timeout 30 mta-sts-query -v debug "$DOMAIN" >"$W/client.out" 2>"$W/client.err" || rc=$?
  echo "$rc" >"$W/client.rc"
  if ((daemon)); then "$PY" "$HERE/helper.py" socketmap "$W" >"$W/socketmap.out" 2>&1 || true; fi
}

# ---------------------------------------------------------------------------------------------
# On the host: prepare the work dir and the private CA, run the namespaces, print the verdict.
make_pki() {
  local d=$1 name=$2 curve=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
  mkdir -p "$d/none"
  openssl req -x509 "${curve[@]}" -keyout "$d/ca.key" -out "$d/ca.pem" -days 2 \
    -subj "/CN=cdk-mta-sts e2e throwaway CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign"
  openssl req -new "${curve[@]}" -keyout "$d/leaf.key" -out "$d/leaf.csr" -subj "/CN=$name"
  printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
    "extendedKeyUsage=serverAuth" "subjectAltName=DNS:$name" \
    "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid" >"$d/leaf.ext"
  openssl x509 -req -in "$d/leaf.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
    -set_serial "0x$(openssl rand -hex 8)" -days 1 -extfile "$d/leaf.ext" -out "$d/leaf.pem"
}

main() {
  local daemon=1
  [[ ${1:-} == --no-daemon ]] && { daemon=0; shift; }
  (($# == 1)) && [[ -d $1 ]] || die "usage: real-client.sh [--no-daemon] DIR  |  real-client.sh check"
  local src
  src=$(cd "$1" && pwd)
  local why
  why=$(check) || die "$why"

  W=$(mktemp -d /tmp/mta-sts-e2e.XXXXXX)
  UPID=
  trap '[[ ${MTA_STS_E2E_KEEP:-} == 1 ]] && echo "real-client: kept $W" >&2 || rm -rf "$W"' EXIT
  # A signal while the namespace runs: SIGKILL unshare; --kill-child takes its PID 1 down, and
  # the kernel then kills everything else in the pid namespace.
  trap '[[ -n $UPID ]] && kill -KILL "$UPID" 2>/dev/null; exit 130' INT TERM HUP

  "$PY" "$HERE/helper.py" prepare "$src" "$W" || exit 2
  # shellcheck disable=SC1091
  source "$W/env.sh"
  make_pki "$W/pki" "$CERT_NAME" 2>"$W/pki.log" || die "openssl failed: $(cat "$W/pki.log")"

  local rc=0
  "${UNSHARE[@]}" "$BASH" "$SELF" __inner "$W" "$daemon" </dev/null >"$W/inner.log" 2>&1 &
  UPID=$!
  wait "$UPID" || rc=$?
  UPID=
  if ((rc != 0)); then
    echo "real-client: the namespace run failed (exit $rc): $(cat "$W/inner.err" "$W/inner.log" 2>/dev/null)" >&2
    exit 2
  fi
  "$PY" "$HERE/helper.py" verdict "$W"
}

case ${1:-} in
  __inner) shift; inner "$@" ;;
  check) check ;;
  *) main "$@" ;;
esac
