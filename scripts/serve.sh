#!/usr/bin/env bash
# Serves the site on $HOST:$PORT with its task worker and scheduler; stops them all on Ctrl-C.
set -euo pipefail
PY=${PY:-.venv/bin/python}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

# Web Push: the demo makes its own VAPID key pair once (kept in .vapid-keys.env) and the site and
# the worker share it; production sets WEBPUSH_VAPID_PRIVATE_KEY / _PUBLIC_KEY (manage.py generate_vapid_keys).
if [[ -z "${WEBPUSH_VAPID_PRIVATE_KEY:-}" ]]; then
  [[ -s .vapid-keys.env ]] || "$PY" manage.py generate_vapid_keys > .vapid-keys.env
  set -a; source .vapid-keys.env; set +a
fi

# Static files as production serves them: collected once, gzip-compressed, with content-hashed names the
# browser caches for a year (WhiteNoise). STATIC_COMPRESSED=false serves static/ as edited, for CSS work.
export STATIC_COMPRESSED=${STATIC_COMPRESSED:-true}
if [[ "$STATIC_COMPRESSED" == "true" ]]; then
  "$PY" manage.py collectstatic --noinput --verbosity 0
fi

# The task worker runs each booking's, review's and request's delayed tasks on time.
"$PY" manage.py db_worker --interval 1 &
pids+=($!)

# The scheduler fires every periodic job of operations/schedule.py (the advance_* sweeps, Stripe
# retries, chargeback catch-up, expired sessions, re-queuing tasks of dead workers). At start it
# catches up whatever fell due while the site was stopped; no shell loops.
"$PY" manage.py scheduler &
pids+=($!)

# Payments: when STRIPE_API_BASE points at this machine (the default), run the
# localstripe harness there and register the site's webhook endpoint with it.
# An empty STRIPE_API_BASE (real Stripe keys) skips this.
STRIPE_API_BASE=${STRIPE_API_BASE-http://127.0.0.1:8420}
if [[ "$STRIPE_API_BASE" =~ ^http://(127\.0\.0\.1|localhost):([0-9]+)/?$ ]]; then
  "$PY" -m devtools.localstripe_server --host 127.0.0.1 --port "${BASH_REMATCH[2]}" --quiet &
  pids+=($!)
  webhook_host=$HOST; [[ "$HOST" == "0.0.0.0" ]] && webhook_host=127.0.0.1
  STRIPE_API_BASE="$STRIPE_API_BASE" "$PY" manage.py localstripe_webhook \
    --url "http://$webhook_host:$PORT/payments/stripe/webhook/" || echo "localstripe: webhook not registered"
fi

echo "Sharing is starting on http://$HOST:$PORT/ (Ctrl-C stops it)"
"$PY" manage.py runserver "$HOST:$PORT"
