#!/usr/bin/env bash
# Starts a one-node Grid Engine (Debian's gridengine-master, -exec, -client)
# on this machine for the tests of cluster/jobqueue: real qsub, qstat and
# qdel against real daemons. No systemd is assumed: sge_qmaster and
# sge_execd are started here, their pid files kept under $STATE, and
# sge-down.sh stops them. Idempotent; root only; all traffic on 127.0.0.1.
set -euo pipefail

say() { echo "sge-up: $*" >&2; }
fail() { say "$*"; exit 1; }
[ "$(id -u)" = 0 ] || fail "run as root"

STATE=/var/spool/gask-sge
export SGE_ROOT=/var/lib/gridengine SGE_CELL=default
COMMON=$SGE_ROOT/$SGE_CELL/common
NODE=$(hostname -s)
SLOTS=${GASK_SGE_SLOTS:-4}
PKGS=(gridengine-master gridengine-exec gridengine-client)

getent hosts "$NODE" >/dev/null || echo "127.0.0.1 $NODE" >>/etc/hosts

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
	say "installing ${missing[*]}"
	# The master's name has no default: without it the cell's act_qmaster
	# is written empty.
	debconf-set-selections <<SEL
gridengine-common shared/gridengineconfig boolean true
gridengine-common shared/gridenginecell string $SGE_CELL
gridengine-common shared/gridenginemaster string $NODE
SEL
	own_policy=0
	if [ ! -e /usr/sbin/policy-rc.d ]; then # no daemon we do not track
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
		own_policy=1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get -o DPkg::Lock::Timeout=300 update -qq
	apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${PKGS[@]}" </dev/null >/tmp/gask-sge-apt.log 2>&1 ||
		{ tail -n 20 /tmp/gask-sge-apt.log >&2; fail "apt-get install failed"; }
	[ $own_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
fi

alive() { # FILE NAME: the pid in FILE runs NAME and is not a zombie
	local pid
	pid=$(cat "$1" 2>/dev/null) || return 1
	[ -n "$pid" ] && [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = "$2" ] &&
		! grep -q '^State:.*Z' /proc/"$pid"/status 2>/dev/null
}
retry() { # SECONDS COMMAND...: until the command succeeds
	local end=$(($(date +%s) + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt $end ] || return 1
		sleep 0.3
	done
}
# edit SED ARGS...: qconf ARGS opens an object in $EDITOR; apply SED to it.
edit() {
	local ed
	ed=$(mktemp)
	printf '#!/bin/sh\nsed -i -e %s "$1"\n' "'$1'" >"$ed" && chmod 755 "$ed"
	shift
	EDITOR=$ed qconf "$@" >/dev/null
	local rc=$?
	rm -f "$ed"
	return $rc
}

mkdir -p "$STATE"
install -d -o sgeadmin -g sgeadmin /var/run/gridengine
if [ ! -s "$COMMON/bootstrap" ] || [ -z "$(ls -A /var/spool/gridengine/spooldb 2>/dev/null)" ]; then
	install -d -o sgeadmin -g sgeadmin /var/spool/gridengine/qmaster /var/spool/gridengine/qmaster/job_scripts \
		/var/spool/gridengine/spooldb /var/spool/gridengine/execd
	su -s /bin/sh -c "/usr/share/gridengine/scripts/init_cluster $SGE_ROOT $SGE_CELL /var/spool/gridengine/spooldb sgeadmin" sgeadmin >/dev/null
fi
echo "$NODE" >"$COMMON/act_qmaster"
# Grid Engine refuses a client whose address resolves back to a name other
# than the one it gives: 127.0.0.1 is "localhost" here, so that name (and any
# other of 127.0.0.1's) is made an alias of the node's.
others=$( (getent hosts 127.0.0.1 | cut -d' ' -f2- | tr ' ' '\n'; echo localhost) | grep -vx "$NODE" | grep . | sort -u | tr '\n' ' ')
echo "$NODE $others" >"$COMMON/host_aliases"
chown sgeadmin:sgeadmin "$COMMON/act_qmaster" "$COMMON/host_aliases"

if ! alive "$STATE/qmaster.pid" sge_qmaster; then
	rm -f /var/spool/gridengine/qmaster/qmaster.pid
	/usr/sbin/sge_qmaster </dev/null >>"$STATE/qmaster.out" 2>&1
	retry 15 test -s /var/spool/gridengine/qmaster/qmaster.pid || fail "sge_qmaster wrote no pid file"
	cp /var/spool/gridengine/qmaster/qmaster.pid "$STATE/qmaster.pid"
fi
retry 60 qconf -sh || fail "sge_qmaster does not answer: $(tail -n 5 /var/spool/gridengine/qmaster/messages)"

# The node submits and executes; one queue on it, all.q.
qconf -ss 2>/dev/null | grep -qx "$NODE" || qconf -as "$NODE" >/dev/null
if ! qconf -se "$NODE" >/dev/null 2>&1; then
	f=$(mktemp)
	printf 'hostname %s\nload_scaling NONE\ncomplex_values NONE\nuser_lists NONE\nxuser_lists NONE\nprojects NONE\nxprojects NONE\nusage_scaling NONE\nreport_variables NONE\n' "$NODE" >"$f"
	qconf -Ae "$f" >/dev/null && rm -f "$f"
fi
if ! qconf -shgrp @allhosts >/dev/null 2>&1; then
	f=$(mktemp)
	printf 'group_name @allhosts\nhostlist %s\n' "$NODE" >"$f"
	qconf -Ahgrp "$f" >/dev/null && rm -f "$f"
fi
# The queue template names parallel environments that do not exist; its
# load threshold would stop every job while the 2-CPU machine is busy.
qconf -sq all.q >/dev/null 2>&1 ||
	edit "s/^pe_list .*/pe_list NONE/; s/^hostlist .*/hostlist @allhosts/; s/^slots .*/slots $SLOTS/; s/^load_thresholds .*/load_thresholds NONE/" -aq all.q
qconf -sq all.q | grep -q "^slots *$SLOTS\$" || qconf -mattr queue slots "$SLOTS" all.q >/dev/null
qconf -sq all.q | grep -q '^load_thresholds *NONE$' || qconf -rattr queue load_thresholds NONE all.q >/dev/null
# Root may run jobs; job shells are not login shells (root's profile is not
# the jobs' business); the scheduler runs every second, not every 15.
qconf -sconf global | grep -q '^login_shells *none$' ||
	edit 's/^min_uid .*/min_uid 0/; s/^min_gid .*/min_gid 0/; s/^login_shells .*/login_shells none/; s/^load_report_time .*/load_report_time 00:00:05/' -mconf global
qconf -ssconf | grep -q '^schedule_interval *0:0:1$' ||
	edit 's/^schedule_interval .*/schedule_interval 0:0:1/; s/^flush_submit_sec .*/flush_submit_sec 1/; s/^flush_finish_sec .*/flush_finish_sec 1/' -msconf

if ! alive "$STATE/execd.pid" sge_execd; then
	rm -f /var/run/gridengine/execd.pid
	SGE_EXECD_PIDFILE=/var/run/gridengine/execd.pid /usr/sbin/sge_execd </dev/null >>"$STATE/execd.out" 2>&1
	retry 15 test -s /var/run/gridengine/execd.pid || fail "sge_execd wrote no pid file"
	cp /var/run/gridengine/execd.pid "$STATE/execd.pid"
fi

# Ready when the queue instance reports a load and no unknown, error or
# disabled state.
ready() {
	local line
	line=$(qstat -f -q "all.q@$NODE" 2>/dev/null | awk -v q="all.q@$NODE" '$1 == q')
	[ -n "$line" ] && [ "$(echo "$line" | awk '{print $4}')" != "-NA-" ] &&
		! echo "$line" | awk '{print $6}' | grep -q '[uEdD]'
}
retry 60 ready || { qstat -f >&2; fail "queue all.q@$NODE is not ready"; }
qmod -c "all.q@$NODE" >/dev/null 2>&1 || true # an error state left by an earlier run
say "all.q@$NODE is up with $SLOTS slots"
