#!/usr/bin/env bash
# Start a throwaway single-node Ceph (1 mon + 1 memstore OSD, no mgr) and radosgw on
# 127.0.0.1:7480, for the S3 storage tests (packages/storage/src/s3/s3.test.ts).
#
#   scripts/ci/start-radosgw.sh          start (exit 0 at once if :7480 already answers)
#   scripts/ci/start-radosgw.sh stop     stop the daemons this script started
#
# Environment:
#   AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY   S3 user keys to create (default testak/testsk;
#                                               the tests use the same defaults)
#   CHATVAULT_RGW_DIR                           state + logs (default /tmp/chatvault-radosgw)
#   CHATVAULT_RGW_MEM_BYTES                     memstore size (default 2 GiB, RAM only)
# Needs the Debian packages: ceph-mon ceph-osd radosgw ceph-common.
#
# Everything lives in RAM (memstore) and in $CHATVAULT_RGW_DIR: nothing here is durable,
# and cephx is off, so this must only ever listen on loopback.
set -euo pipefail

DIR=${CHATVAULT_RGW_DIR:-/tmp/chatvault-radosgw}
PORT=7480
URL="http://127.0.0.1:$PORT/"
CONF="$DIR/ceph.conf"

answers() { curl -s -m 1 -o /dev/null "$URL"; }

stop_daemons() {
  # Only the daemons whose pid files this script wrote; never by process name.
  local f pid
  for f in "$DIR"/*.pid; do
    [ -e "$f" ] || continue
    pid=$(cat "$f" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill "$pid" 2>/dev/null || true; fi
    rm -f "$f"
  done
}

if [ "${1:-}" = "stop" ]; then
  stop_daemons
  echo "stopped daemons from $DIR"
  exit 0
fi

if answers; then
  # Ours from an earlier run that died before creating the user? Create it now.
  if [ -f "$CONF" ] && command -v radosgw-admin >/dev/null &&
    ! radosgw-admin -c "$CONF" user info --uid=chatvault-test >/dev/null 2>&1; then
    radosgw-admin -c "$CONF" user create --uid=chatvault-test --display-name=chatvault-test \
      --access-key="${AWS_ACCESS_KEY_ID:-testak}" --secret="${AWS_SECRET_ACCESS_KEY:-testsk}" >/dev/null || true
  fi
  echo "radosgw already answers on $URL; nothing to do"
  exit 0
fi

for bin in ceph-mon ceph-osd radosgw radosgw-admin ceph ceph-authtool monmaptool curl; do
  command -v "$bin" >/dev/null || {
    echo "start-radosgw: '$bin' not found; apt-get install -y --no-install-recommends ceph-mon ceph-osd radosgw ceph-common curl" >&2
    exit 1
  }
done

fail() {
  echo "start-radosgw: $1; logs in $DIR/*.log" >&2
  exit 1
}

# A previous run's daemons (e.g. a crashed radosgw) would hold the mon/osd ports.
stop_daemons
rm -rf "$DIR"
mkdir -p "$DIR"/{mon,osd0,rgw}
FSID=$(cat /proc/sys/kernel/random/uuid)

# Settings that matter (each one was needed on Debian 12 / Ceph 16.2):
# - auth ... = none: no cephx keyrings to manage for a throwaway cluster.
# - pool size 1, chooseleaf type 0: one OSD must be enough for every pool to go active.
# - memstore: no disk, fast start; the whole cluster vanishes with the processes.
# - "ms mon client mode = crc secure" for radosgw: otherwise it loops on auth error -13.
# - beast tcp_nodelay=1: without it every request pays ~45 ms of Nagle delay.
cat > "$CONF" <<CONF
[global]
fsid = $FSID
mon host = v2:127.0.0.1:3300
public addr = 127.0.0.1
ms bind ipv6 = false
auth cluster required = none
auth service required = none
auth client required = none
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
osd objectstore = memstore
memstore device bytes = ${CHATVAULT_RGW_MEM_BYTES:-2147483648}
run dir = $DIR
admin socket = $DIR/\$name.asok
log file = $DIR/\$name.log
pid file = $DIR/\$name.pid
[mon.a]
mon data = $DIR/mon
[osd.0]
osd data = $DIR/osd0
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$PORT tcp_nodelay=1
rgw data = $DIR/rgw
rgw dns name = localhost
ms mon client mode = crc secure
CONF

C=(-c "$CONF")
# The ceph CLI waits forever for a mon by default; bound every call.
ceph_cli() { timeout 30 ceph "${C[@]}" --connect-timeout 20 "$@"; }

ceph-authtool --create-keyring "$DIR/mon.keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
monmaptool --create --addv a '[v2:127.0.0.1:3300]' --fsid "$FSID" "$DIR/monmap" >/dev/null
ceph-mon "${C[@]}" --mkfs -i a --monmap "$DIR/monmap" --keyring "$DIR/mon.keyring" ||
  fail "ceph-mon --mkfs failed"
ceph-mon "${C[@]}" -i a 2>"$DIR/mon.a.stderr" || fail "ceph-mon did not start"

OSD_UUID=$(cat /proc/sys/kernel/random/uuid)
ceph_cli osd new "$OSD_UUID" >/dev/null || fail "mon not answering (ceph osd new)"
ceph-osd "${C[@]}" -i 0 --mkfs --osd-uuid "$OSD_UUID" >"$DIR/osd-mkfs.out" 2>&1 ||
  fail "ceph-osd --mkfs failed (see $DIR/osd-mkfs.out)"
# Daemons keep writing a few lines to the inherited stderr after forking; keep them in files.
ceph-osd "${C[@]}" -i 0 2>"$DIR/osd.0.stderr" || fail "ceph-osd did not start"

# radosgw creates its pools on start; they can only go active once the OSD is up.
up=0
for _ in $(seq 1 300); do
  if ceph_cli osd stat 2>/dev/null | grep -q '1 up'; then up=1; break; fi
  sleep 0.1
done
[ "$up" = 1 ] || fail "osd.0 did not come up within 30 s"

radosgw "${C[@]}" -n client.rgw.a 2>"$DIR/rgw.a.stderr" || fail "radosgw did not start"
ready=0
for _ in $(seq 1 600); do
  if answers; then ready=1; break; fi
  sleep 0.1
done
[ "$ready" = 1 ] || fail "radosgw did not answer on $URL within 60 s"

# Keys come from the environment; never echo them.
radosgw-admin "${C[@]}" user create --uid=chatvault-test --display-name=chatvault-test \
  --access-key="${AWS_ACCESS_KEY_ID:-testak}" --secret="${AWS_SECRET_ACCESS_KEY:-testsk}" \
  >/dev/null || fail "radosgw-admin user create failed"

echo "radosgw ready on $URL (user chatvault-test)"
echo "logs: $DIR/*.log   stop: $0 stop"
