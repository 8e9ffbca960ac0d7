#!/usr/bin/env bash
# Restore a backup made by deploy/backup.sh into a NEW, empty PostgreSQL database, then check it.
#
#   deploy/restore.sh BACKUP_FILE TARGET_DATABASE_URL
#
# Refuses a target that already holds tables (restore never overwrites a live database: restore
# beside it, check, then point DATABASE_URL at the restored one). Creates the target database when
# it does not exist. Afterwards it runs `manage.py migrate --check` and `manage.py ledger_check`
# against the restored database and fails if either does.
set -euo pipefail
file=${1:?"BACKUP_FILE: the .dump file written by deploy/backup.sh"}
target=${2:?"TARGET_DATABASE_URL: postgres://... of a new database"}
[ -r "$file" ] || { echo "BACKUP_FILE: cannot read $file" >&2; exit 2; }
here=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-$here/.venv/bin/python}
[ -x "$python" ] || python=python3
name=${target##*/}
name=${name%%\?*}
server=${target%/*}/postgres
if [ -z "$(psql "$server" -Atc "SELECT 1 FROM pg_database WHERE datname = '$name'")" ]; then
  psql "$server" -qc "CREATE DATABASE \"$name\""
fi
tables=$(psql "$target" -Atc "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
if [ "$tables" != "0" ]; then
  echo "TARGET_DATABASE_URL: $name already has $tables tables; restore into a new database." >&2
  exit 2
fi
pg_restore --no-owner --no-privileges --exit-on-error --dbname="$target" "$file"
cd "$here"
DATABASE_URL="$target" "$python" manage.py migrate --check >/dev/null \
  || { echo "restored, but migrations are missing compared with this code: run manage.py migrate" >&2; exit 1; }
DATABASE_URL="$target" "$python" manage.py ledger_check
echo "restored $file into $name: ledger OK"
