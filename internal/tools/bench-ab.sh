#!/usr/bin/env bash
# bench-ab.sh compares benchmark timings of test binaries on a noisy machine:
# it runs them in turn, ROUNDS times, and keeps each benchmark's best ns/op
# per binary. Single runs on a shared machine vary by up to 40 %; interleaved
# best-of-N runs of the same binary agree within a few percent.
#
#   go test -c -o /tmp/before.test ./pkg/cloudtrail     # on the old commit
#   go test -c -o /tmp/after.test ./pkg/cloudtrail      # on the new one
#   internal/tools/bench-ab.sh 'FileReader/personalize-5pct' 6 /tmp/before.test /tmp/after.test
#
# Arguments: benchmark regexp, rounds, test binaries. BENCHTIME (default 20x)
# and CPU (default 2) are passed to -test.benchtime and -test.cpu.
set -euo pipefail
if [ $# -lt 3 ]; then
	echo "usage: $0 REGEXP ROUNDS TEST-BINARY..." >&2
	exit 2
fi
re=$1
rounds=$2
shift 2
for _ in $(seq "$rounds"); do
	for bin in "$@"; do
		"$bin" -test.run '^$' -test.bench "$re" -test.benchtime "${BENCHTIME:-20x}" -test.cpu "${CPU:-2}" |
			awk -v b="$(basename "$bin")" '/^Benchmark/ {print b, $1, $3}'
	done
done | awk '{k = $2 " " $1; if (!(k in best) || $3 < best[k]) best[k] = $3}
	END {for (k in best) {split(k, f, " "); printf "%-70s %-16s %12d ns/op\n", f[1], f[2], best[k]}}' | sort
