#!/usr/bin/env bash
# Stops what slurm-up.sh started: jobs, slurmd, slurmctld, munged.
set -uo pipefail
STATE=/var/spool/gask-slurm
command -v scancel >/dev/null && scancel --user=root >/dev/null 2>&1
for d in slurmd slurmctld munged; do
	f=$STATE/run/$d.pid
	pid=$(cat "$f" 2>/dev/null) || continue
	running() { [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = $d ] && ! grep -q '^State:.*Z' /proc/"$pid"/status 2>/dev/null; }
	if running; then
		kill "$pid"
		for _ in $(seq 100); do running || break; sleep 0.1; done
		running && kill -9 "$pid"
	fi
	rm -f "$f"
done
exit 0
