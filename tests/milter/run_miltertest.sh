#!/bin/sh
# Starts milter_test_server on a free loopback port, runs every miltertest
# script in SCRIPT_DIR against it, stops the server. Fails if any script
# fails (or none ran).
# Usage: run_miltertest.sh SERVER SCRIPT_DIR
set -u
server=$1
dir=$2
command -v miltertest >/dev/null || { echo "miltertest not installed (Debian package miltertest)"; exit 1; }
spool=$(mktemp -d)
pid=
stop_server() {  # SIGTERM -> Milter::stop(); the server must exit 0
    [ -n "$pid" ] || return 0
    kill "$pid" 2>/dev/null
    wait "$pid"
    status=$?
    pid=
    return $status
}
cleanup() {
    stop_server
    rm -rf "$spool"
}
trap cleanup EXIT INT TERM

for attempt in 1 2 3 4 5 6 7 8; do
    port=$(( 20000 + ($$ * 7 + attempt * 7919) % 40000 ))
    "$server" "$port" "$spool" "$dir/policy.txt" &
    pid=$!
    sleep 0.3
    if kill -0 "$pid" 2>/dev/null; then break; fi
    wait "$pid"
    pid=
done
[ -n "$pid" ] || { echo "milter_test_server did not start"; exit 1; }

failed=0
ran=0
for script in "$dir"/t_*.lua; do
    ran=$((ran + 1))
    if miltertest -D port="$port" -D spool="$spool" -D dir="$dir" -s "$script"; then
        echo "ok   $(basename "$script")"
    else
        echo "FAIL $(basename "$script")"
        failed=$((failed + 1))
    fi
done
if stop_server; then echo "ok   the server stopped cleanly on SIGTERM (Milter::stop)"
else echo "FAIL the server did not exit 0 after SIGTERM"; failed=$((failed + 1)); fi
echo "$ran scripts, $failed failed"
[ "$ran" -gt 0 ] && [ "$failed" -eq 0 ]
