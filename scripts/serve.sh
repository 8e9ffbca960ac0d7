#!/usr/bin/env bash
# Serves the site on $HOST:$PORT with its background task worker; stops both on Ctrl-C.
set -euo pipefail
PY=${PY:-.venv/bin/python}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

"$PY" manage.py db_worker --interval 1 &
pids+=($!)

echo "Sharing is starting on http://$HOST:$PORT/ (Ctrl-C stops it)"
"$PY" manage.py runserver "$HOST:$PORT"
