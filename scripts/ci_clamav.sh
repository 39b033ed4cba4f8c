#!/usr/bin/env bash
# CI: a real clamd for the antivirus tests (vault/tests/test_antivirus.py).
#
# CI machines cannot download virus definitions (no internet: freshclam fails), so this clamd
# loads a database of our own holding only the EICAR test signature, twice:
#   eicar.hdb  the MD5 of the whole 68-byte EICAR file (how ClamAV's own test signature works);
#   eicar.ndb  the EICAR bytes anywhere in a file, so that a PDF or picture carrying them is
#              caught too (the upload tests need a file of an accepted type).
# The EICAR string itself is written here only as hex, so this script is not itself "infected".
#
# It installs clamav-daemon when run as root with apt, starts clamd on its own socket
# ($COFFRE_TEST_CLAMAV_SOCKET, default /run/coffre-clamav/clamd.ctl: the default the tests probe)
# and waits until clamd answers PING. Running it again while clamd answers does nothing.
set -euo pipefail

SOCKET="${COFFRE_TEST_CLAMAV_SOCKET:-/run/coffre-clamav/clamd.ctl}"
HOME_DIR="$(dirname "$SOCKET")"
DB_DIR="$HOME_DIR/db"
CONF="$HOME_DIR/clamd.conf"
EICAR_MD5="44d88612fea8a8f36de82e1278abb02f"
EICAR_HEX="58354f2150254041505b345c505a58353428505e2937434329377d2445494341522d5354414e4441\
52442d414e544956495255532d544553542d46494c452124482b482a"

ping_clamd() {
  python3 - "$SOCKET" <<'PY'
import socket, sys
try:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(2)
        conn.connect(sys.argv[1])
        conn.sendall(b"zPING\0")
        sys.exit(0 if conn.recv(16).startswith(b"PONG") else 1)
except OSError:
    sys.exit(1)
PY
}

if ping_clamd; then
  echo "== clamd already answers on $SOCKET"
  exit 0
fi

if ! command -v clamd >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      clamav-daemon >/dev/null
  else
    echo "== clamd is not installed and cannot be installed here (needs root and apt)" >&2
    exit 1
  fi
fi

mkdir -p "$DB_DIR"
rm -f "$DB_DIR"/*
echo "$EICAR_MD5:68:Eicar-Test-Signature" >"$DB_DIR/eicar.hdb"
echo "Eicar-Test-Signature:0:*:$EICAR_HEX" >"$DB_DIR/eicar.ndb"

# clamd spools each INSTREAM to a temporary file: keep it in memory (tmpfs) when possible.
TEMP_DIR="$HOME_DIR/tmp"
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
  TEMP_DIR=/dev/shm/coffre-clamd
fi
mkdir -p "$TEMP_DIR"
chmod 700 "$TEMP_DIR"

{
  echo "LocalSocket $SOCKET"
  echo "LocalSocketMode 666"
  echo "FixStaleSocket yes"
  echo "DatabaseDirectory $DB_DIR"
  echo "TemporaryDirectory $TEMP_DIR"
  echo "PidFile $HOME_DIR/clamd.pid"
  echo "LogFile $HOME_DIR/clamd.log"
  echo "Foreground no"
  # Above COFFRE_MAX_UPLOAD_BYTES (20 MB by default): every accepted upload fits in one scan.
  echo "StreamMaxLength 64M"
  echo "ReadTimeout 30"
  echo "CommandReadTimeout 30"
  echo "SelfCheck 0"
} >"$CONF"
if [ "$(id -u)" = "0" ] && id clamav >/dev/null 2>&1; then
  echo "User clamav" >>"$CONF"
  chown -R clamav: "$HOME_DIR" "$TEMP_DIR"
fi

clamd --config-file="$CONF"
for _ in $(seq 1 60); do
  if ping_clamd; then
    echo "== clamd answers on $SOCKET (database: EICAR test signature only)"
    exit 0
  fi
  sleep 1
done
echo "== clamd did not start; its log:" >&2
cat "$HOME_DIR/clamd.log" >&2 || true
exit 1
