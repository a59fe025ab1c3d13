#!/usr/bin/env bash
# Starts a one-node SLURM (Debian's slurmctld, slurmd and munge) on this
# machine for the tests of cluster/jobqueue: real sbatch, squeue and scancel
# against real daemons. No systemd is assumed: the daemons are started here,
# with their pid files under $STATE/run, and slurm-down.sh stops them.
# Idempotent; root only; all traffic on 127.0.0.1.
#
#   GASK_SLURM_CPUS  CPUs the node advertises (default 4: more one-CPU jobs at
#                    once than the 2-CPU CI machine has cores; SLURM is told
#                    to accept the difference)
set -euo pipefail

say() { echo "slurm-up: $*" >&2; }
fail() { say "$*"; exit 1; }
[ "$(id -u)" = 0 ] || fail "run as root"

STATE=/var/spool/gask-slurm
CONF=/etc/slurm/slurm.conf
CPUS=${GASK_SLURM_CPUS:-4}
NODE=$(hostname -s)
PKGS=(slurm-wlm slurmctld slurmd slurm-client munge)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
	say "installing ${missing[*]}"
	# The packages' init scripts would start daemons we do not track.
	own_policy=0
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
		own_policy=1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get -o DPkg::Lock::Timeout=300 update -qq
	apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${PKGS[@]}" </dev/null >/tmp/gask-slurm-apt.log 2>&1 ||
		{ tail -n 20 /tmp/gask-slurm-apt.log >&2; fail "apt-get install failed"; }
	[ $own_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
fi

# alive FILE NAME: the pid in FILE runs NAME and is not a zombie.
alive() {
	local pid
	pid=$(cat "$1" 2>/dev/null) || return 1
	[ -n "$pid" ] && [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = "$2" ] &&
		! grep -q '^State:.*Z' /proc/"$pid"/status 2>/dev/null
}

# The node's name must resolve (munge and slurmd look it up), to loopback.
getent hosts "$NODE" >/dev/null || echo "127.0.0.1 $NODE" >>/etc/hosts
mkdir -p "$STATE"/run "$STATE"/log "$STATE"/ctld "$STATE"/d /etc/slurm

# munge authenticates the daemons and the commands to each other.
install -d -o munge -g munge -m 0700 /etc/munge /var/log/munge
install -d -o munge -g munge -m 0711 /var/lib/munge
install -d -o munge -g munge -m 0755 /run/munge
[ -s /etc/munge/munge.key ] || mungekey --create --keyfile=/etc/munge/munge.key --force
chown munge:munge /etc/munge/munge.key && chmod 0400 /etc/munge/munge.key
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
	runuser -u munge -- /usr/sbin/munged --force </dev/null >>"$STATE"/log/munged.out 2>&1
	for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
	munge -n | unmunge >/dev/null || fail "munge does not work: $(tail -n 3 /var/log/munge/munged.log)"
	cp /run/munge/munged.pid "$STATE"/run/munged.pid
fi

real_cpus=$(slurmd -C | sed -n 's/.*CPUs=\([0-9]*\).*/\1/p' | head -n 1)
mem=$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' | head -n 1)
conf=$(mktemp)
cat >"$conf" <<CONF
# Written by gask's .ci/hpc/slurm-up.sh: one node, on loopback.
ClusterName=gask-ci
SlurmctldHost=$NODE(127.0.0.1)
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
$( [ "$CPUS" -gt "$real_cpus" ] && echo "SlurmdParameters=config_overrides" )
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/d
SlurmctldPidFile=$STATE/run/slurmctld.pid
SlurmdPidFile=$STATE/run/slurmd.pid
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd.log
# No systemd or cgroup delegation here: processes are tracked by parentage and
# not bound to CPUs; jobs of one CPU share the node.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$STATE/log/jobcomp.log
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
MinJobAge=300
KillWait=5
CONF
if ! cmp -s "$conf" "$CONF"; then
	mv "$conf" "$CONF" && chmod 644 "$CONF"
	for d in slurmd slurmctld; do
		alive "$STATE/run/$d.pid" $d && kill "$(cat "$STATE/run/$d.pid")"
		for _ in $(seq 100); do alive "$STATE/run/$d.pid" $d || break; sleep 0.1; done
	done
else
	rm -f "$conf"
fi

# The daemons fork into the background; their output must not hold our pipes.
alive "$STATE"/run/slurmctld.pid slurmctld || slurmctld -c </dev/null >>"$STATE"/log/slurmctld.out 2>&1
alive "$STATE"/run/slurmd.pid slurmd || slurmd -N "$NODE" </dev/null >>"$STATE"/log/slurmd.out 2>&1

for _ in $(seq 300); do
	case $(sinfo -h -n "$NODE" -o %t 2>/dev/null) in
	idle | mix | alloc) say "node $NODE is up with $CPUS CPUs"; exit 0 ;;
	down* | drain*) scontrol update NodeName="$NODE" State=RESUME >/dev/null 2>&1 || true ;;
	esac
	sleep 0.2
done
fail "node $NODE did not come up: $(scontrol show node "$NODE" | grep -E 'State|Reason'); $(tail -n 5 "$STATE"/log/slurmctld.log)"
