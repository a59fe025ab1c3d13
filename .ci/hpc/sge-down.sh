#!/usr/bin/env bash
# Stops what sge-up.sh started: jobs, sge_execd, sge_qmaster.
set -uo pipefail
STATE=/var/spool/gask-sge
export SGE_ROOT=/var/lib/gridengine SGE_CELL=default
command -v qdel >/dev/null && qdel -u root >/dev/null 2>&1
for d in execd:sge_execd qmaster:sge_qmaster; do
	f=$STATE/${d%%:*}.pid name=${d#*:}
	pid=$(cat "$f" 2>/dev/null) || continue
	running() { [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = "$name" ] && ! grep -q '^State:.*Z' /proc/"$pid"/status 2>/dev/null; }
	if running; then
		kill "$pid"
		for _ in $(seq 200); do running || break; sleep 0.1; done
		running && kill -9 "$pid"
	fi
	rm -f "$f"
done
exit 0
