#!/usr/bin/env bash
# Starts a throwaway redis-server on 127.0.0.1 for the Redis cache tests and prints its port on stdout.
# Installs Debian's redis-server first when it is missing. The server runs as a daemon with no
# persistence; stop it with: kill "$(cat "$REDIS_DIR/redis.pid")" (the folder is printed on stderr).
# Usage: port="$(bash .ci/start-redis.sh)" && export LLMAP_TEST_REDIS_URL="redis://127.0.0.1:$port"
set -euo pipefail

if ! command -v redis-server >/dev/null 2>&1; then
  echo "installing redis-server" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >&2
fi

dir="$(mktemp -d "${TMPDIR:-/tmp}/llmap-redis.XXXXXX")"
echo "redis folder: $dir" >&2

# redis-server cannot pick an ephemeral port itself (--port 0 means "no TCP"): ask the kernel for a
# free one, and try again if another process takes it before redis binds it.
for attempt in 1 2 3 4 5; do
  port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
  if redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --dir "$dir" \
      --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --save '' --appendonly no >&2; then
    for _ in $(seq 1 50); do
      if redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then
        echo "$port"
        exit 0
      fi
      sleep 0.1
    done
  fi
  echo "redis-server did not start on port $port (attempt $attempt)" >&2
  [ -f "$dir/redis.pid" ] && kill "$(cat "$dir/redis.pid")" 2>/dev/null || true
done
cat "$dir/redis.log" >&2 || true
exit 1
