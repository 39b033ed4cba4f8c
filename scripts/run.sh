#!/usr/bin/env bash
# Serve Coffre on http://127.0.0.1:8000 with one background worker; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
# SMS (recovery codes, reminders) land as files under var/sms/: read them to get the codes.
export SMS_BACKEND="${SMS_BACKEND:-notify.backends.file.FileBackend}"
$PY manage.py db_worker --interval 1 &
worker=$!
$PY manage.py scheduler >/dev/null &
scheduler=$!
trap 'kill $worker $scheduler 2>/dev/null || true' EXIT INT TERM
echo "Coffre: http://127.0.0.1:8000  (Ctrl-C to stop)"
.venv/bin/gunicorn coffre.wsgi --bind 127.0.0.1:8000 --workers 2 --threads 4 \
  --worker-class gthread --timeout 300 --access-logfile - --error-logfile -
