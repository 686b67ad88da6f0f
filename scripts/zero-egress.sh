#!/usr/bin/env bash
# Zero egress: ingest a PDF and ask a question with nothing but loopback, and show that no process of
# Cited opens a connection that leaves the machine.
#
# With root (or CAP_SYS_ADMIN) the API, the worker and a Redis of their own run in a fresh network
# namespace that has only a loopback interface: any connection to another host fails there, so an
# answer with a verified citation proves none is needed. On top of that (and without root, instead),
# every connect()/sendto()/sendmsg() of the API and the worker is recorded with strace, and their
# sockets are listed with `ss` every half second; the script fails if any peer is not loopback.
#
# Usage: bash scripts/zero-egress.sh        (MODELS_DIR must hold the models: npm run models)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d /tmp/cited-egress.XXXXXX)
ns="cited-egress-$$"
api_port=$((21000 + RANDOM % 9000))
redis_port=$((31000 + RANDOM % 9000))
pids=()
use_ns=0
log() { printf 'zero-egress: %s\n' "$*"; }

# Our processes and all their descendants (ip netns exec → strace → node: the node is a grandchild).
descendants() { local c; for c in $(pgrep -P "$1" 2>/dev/null || true); do echo "$c"; descendants "$c"; done; }
family() { for pid in "${pids[@]}"; do echo "$pid"; descendants "$pid"; done; }
stop_all() {
  local all
  all=$(family)
  for pid in $all; do kill "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 20); do
    alive=0
    for pid in $all; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && return 0
    sleep 0.5
  done
  for pid in $all; do kill -9 "$pid" 2>/dev/null || true; done
}
cleanup() {
  stop_all
  [ -f "$work/redis.pid" ] && kill "$(cat "$work/redis.pid")" 2>/dev/null || true
  [ "$use_ns" = 1 ] && ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

if ip netns add "$ns" 2>/dev/null; then
  use_ns=1
  ip netns exec "$ns" ip link set lo up
  inside() { ip netns exec "$ns" "$@"; }
  log "network namespace $ns: $(ip netns exec "$ns" ip -brief link | tr -s ' ' | paste -sd ';')"
  log "routes in it: $(ip netns exec "$ns" ip route | paste -sd ';' | sed 's/^$/none/')"
else
  inside() { "$@"; }
  log "cannot create a network namespace (needs root); recording connections on the host network instead"
fi

tracer=()
if command -v strace >/dev/null && strace -f -qq -e trace=connect true >/dev/null 2>&1; then
  tracer=(strace -f -qq --seccomp-bpf -e trace=connect,sendto,sendmsg -e signal=none -o)
else
  log "strace is not available: relying on the namespace and socket listings"
fi

# Redis of our own, inside the namespace, on its loopback.
inside redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no --daemonize yes \
  --pidfile "$work/redis.pid" --dir "$work" --logfile "$work/redis.log"
for _ in $(seq 1 50); do inside redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done

export DATA_DIR="$work/data" PORT="$api_port" HOST=127.0.0.1 OPEN_MODE=true
export REDIS_URL="redis://127.0.0.1:$redis_port" QUEUE_PREFIX="cited-egress"
export LLAMA_THREADS="${LLAMA_THREADS:-1}" LOG_LEVEL=warn JUDGE_MODEL="${JUDGE_MODEL:-none}"
export NODE_OPTIONS=""

start() { # name entry
  if [ ${#tracer[@]} -gt 0 ]; then
    inside "${tracer[@]}" "$work/$1.strace" node --import tsx "$root/$2" >"$work/$1.log" 2>&1 &
  else
    inside node --import tsx "$root/$2" >"$work/$1.log" 2>&1 &
  fi
  pids+=($!)
}
start api src/api/main.ts
start worker workers/main.ts

# Every socket of the namespace (or of our processes), twice a second, while we work.
(
  while :; do
    inside ss -tuanpH 2>/dev/null | grep -E 'node|redis' >>"$work/sockets.txt" || true
    sleep 0.5
  done
) &
pids+=($!)

api="http://127.0.0.1:$api_port"
for _ in $(seq 1 600); do inside curl -fs "$api/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
inside curl -fs "$api/readyz" >/dev/null || { log "API did not become ready"; tail -20 "$work/api.log"; exit 1; }

# A contract PDF, written locally.
node --import tsx -e '
  import { contractPdf } from "./test/support/pdfs.ts";
  import { writeFileSync } from "node:fs";
  const pdf = await contractPdf({ title: "MASTER SERVICES AGREEMENT", pages: [
    { paragraphs: ["This Master Services Agreement is made between Acme Corp. and Globex LLC.", "1. SERVICES", "1.1 Supplier shall provide the services described in each order."] },
    { paragraphs: ["8. TERMINATION", "8.1 Termination for Convenience. Either party may terminate this Agreement for convenience upon ninety (90) days prior written notice to the other party."] } ] });
  writeFileSync(process.argv[1], pdf);' "$work/msa.pdf"

doc=$(inside curl -fs -F "files=@$work/msa.pdf" "$api/v1/documents" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).documents[0].id))')
log "uploaded $doc"
status=""
for _ in $(seq 1 600); do
  status=$(inside curl -fs "$api/v1/documents/$doc" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).status))')
  [ "$status" = ready ] || [ "$status" = failed ] && break
  sleep 0.5
done
[ "$status" = ready ] || { log "document is $status"; tail -20 "$work/worker.log"; exit 1; }
sleep 5 # let store maintenance fold the chunks into the full-text index
answer=$(inside curl -fs -H 'content-type: application/json' \
  -d '{"question":"How many days of notice are needed to terminate for convenience?","top_k":4}' "$api/v1/ask")
summary=$(printf '%s' "$answer" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const a=JSON.parse(s);console.log(`abstained=${a.abstained} citations=${a.citations.length} ${a.citations.map(c=>`p${c.page}:"${c.quote.replace(/\s+/g," ").slice(0,60)}"`).join(" ")}`)})')
log "answer: $summary"

if [ "$use_ns" = 1 ]; then
  # The namespace really has no way out: a connection to a public address fails at once.
  out=$(inside node -e 'require("net").connect(443,"1.1.1.1").on("connect",()=>{console.log("CONNECTED");process.exit(0)}).on("error",e=>{console.log(e.code);process.exit(0)})')
  log "connecting to 1.1.1.1:443 from the namespace: $out"
  [ "$out" != CONNECTED ] || { log "the namespace reaches the internet"; exit 1; }
fi

stop_all

bad=0
# Every TCP/UDP peer seen in the socket listings must be loopback (or unconnected).
if [ -s "$work/sockets.txt" ]; then
  peers=$(awk '{print $6}' "$work/sockets.txt" | sort -u)
  while read -r peer; do
    case "$peer" in 127.*:* | \[::1\]:* | \[::ffff:127.*\]:* | \*:* | 0.0.0.0:* | "") ;;
    *) log "socket to a non-loopback peer: $peer"; bad=1 ;;
    esac
  done <<<"$peers"
  log "socket listings: $(wc -l <"$work/sockets.txt") lines, peers: $(echo "$peers" | paste -sd ' ')"
fi
# Every address the processes tried to reach.
for f in "$work"/*.strace; do
  [ -e "$f" ] || continue
  attempts=$(grep -cE 'AF_INET6?' "$f" || true)
  while read -r line; do
    [ -n "$line" ] || continue
    case "$line" in *'"127.'* | *'"::1"'* | *'"::ffff:127.'*) ;;
    *) log "$(basename "$f" .strace) tried to reach: $line"; bad=1 ;;
    esac
  done < <(grep -hoE 'inet_(addr|pton)\([^)]*\)' "$f" | sort -u)
  log "$(basename "$f" .strace): $attempts inet connects/sends, to: $(grep -hoE 'inet_(addr|pton)\([^)]*\), *(sin6?_port=htons\([0-9]+\))?|sin_port=htons\([0-9]+\), sin_addr=inet_addr\("[^"]*"\)' "$f" | sed -E 's/.*htons\(([0-9]+)\).*"([^"]*)".*/\2:\1/' | sort -u | paste -sd ' ')"
done
[ "$bad" = 0 ] || { log "FAILED: traffic would leave the machine"; exit 1; }
log "OK: ingest and ask used loopback only (Redis on 127.0.0.1:$redis_port, API on 127.0.0.1:$api_port)"
