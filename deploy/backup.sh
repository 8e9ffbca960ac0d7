#!/usr/bin/env bash
# Back up Sharing's PostgreSQL database to one file (pg_dump's custom format: compressed, restorable
# table by table, consistent: one snapshot however long the dump takes, while the site runs).
#
#   deploy/backup.sh [DATABASE_URL] [OUTPUT_DIR]      -> prints the path of the file it wrote
#
# DATABASE_URL defaults to the environment's; OUTPUT_DIR to $BACKUP_DIR or /var/backups/sharing.
# Keep the files off this machine too (the uploaded photos in MEDIA_ROOT are not in the database:
# copy that directory alongside). Restore with deploy/restore.sh, then run `manage.py ledger_check`.
set -euo pipefail
url=${1:-${DATABASE_URL:?"DATABASE_URL: give a postgres:// URL (argument or environment)"}}
out_dir=${2:-${BACKUP_DIR:-/var/backups/sharing}}
case "$url" in
  postgres://*|postgresql://*) ;;
  *) echo "DATABASE_URL: backup.sh backs up PostgreSQL only (for SQLite: sqlite3 db.sqlite3 '.backup file')" >&2; exit 2 ;;
esac
mkdir -p "$out_dir"
file="$out_dir/sharing-$(date -u +%Y%m%dT%H%M%SZ).dump"
# Written under a temporary name and renamed at the end: a file with the final name is complete.
pg_dump --format=custom --no-owner --no-privileges --file="$file.partial" --dbname="$url"
mv "$file.partial" "$file"
echo "$file"
