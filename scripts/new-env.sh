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
# n random bytes as 2n hex characters, from the kernel's generator.
hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }
umask 077
while IFS= read -r line || [ -n "$line" ]; do
  if [[ $line =~ ^([A-Z0-9_]+)=\[\"change-me ]]; then
    printf '%s=["%s"]\n' "${BASH_REMATCH[1]}" "$(hex 16)"
  elif [[ $line =~ ^([A-Z0-9_]+)=change-me ]]; then
    printf '%s=%s\n' "${BASH_REMATCH[1]}" "$(hex 32)"
  else
    printf '%s\n' "$line"
  fi
done < "$root/.env.example" > "$out"
echo "wrote $out with new secrets; now set WORKID_PUBLIC_*_URL, the SMTP settings and the rest to your own" >&2
