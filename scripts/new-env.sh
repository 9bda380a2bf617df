#!/usr/bin/env bash
# Writes a production .env from .env.example, every change-me secret
# replaced by a fresh random one in the shape .env.example shows (a JSON
# list of 32 hex characters for Kratos's and Hydra's secrets, 64 hex
# characters for the rest). Public addresses and mail settings keep the
# example's values: edit them next.
#
# Usage: scripts/new-env.sh [OUT]   (OUT defaults to .env; never overwritten)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/.env}
if [ -e "$out" ]; then
  echo "$out exists: not overwriting it" >&2
  exit 1
fi
# hex N prints N random bytes as 2N hex characters, from the kernel's
# generator, and fails rather than print fewer.
hex() {
  local s
  s=$(od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n')
  if [ ${#s} -ne $(($1 * 2)) ]; then
    echo "could not read $1 random bytes" >&2
    return 1
  fi
  printf '%s' "$s"
}
umask 077
# Written next to OUT, then moved into place without overwriting: a
# failure part-way leaves no half-written .env behind.
tmp=$(mktemp "$(dirname "$out")/.env.new.XXXXXX")
trap 'rm -f "$tmp"' EXIT
while IFS= read -r line || [ -n "$line" ]; do
  if [[ $line =~ ^([A-Z0-9_]+)=\[\"change-me ]]; then
    secret=$(hex 16)
    printf '%s=["%s"]\n' "${BASH_REMATCH[1]}" "$secret"
  elif [[ $line =~ ^([A-Z0-9_]+)=change-me ]]; then
    secret=$(hex 32)
    printf '%s=%s\n' "${BASH_REMATCH[1]}" "$secret"
  else
    printf '%s\n' "$line"
  fi
done < "$root/.env.example" > "$tmp"
if ! mv -n "$tmp" "$out" || [ -e "$tmp" ]; then
  echo "$out appeared meanwhile: not overwriting it" >&2
  exit 1
fi
echo "wrote $out with new secrets; now set WORKID_PUBLIC_URL, the SMTP settings and the rest to your own" >&2
