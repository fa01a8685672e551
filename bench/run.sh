#!/usr/bin/env bash
# bench/run.sh: Gojinn's benchmark suite (issue 5), run by `make bench`.
#
# Starts bin/caddy with bench/Caddyfile and a native Go backend, drives every
# target with wrk on loopback, interleaved (A B C A B C ...) at each
# concurrency level, then measures config-load cold start, start-up and idle
# RSS with 1/100/1000 handlers, RSS over a long soak, and runs the sandbox's
# Go benchmarks. Raw measurements go to bench/out/; bench/report turns them
# into bench/results/latest.json, bench/results/latest.svg and the generated
# part of docs/benchmarks.md.
#
#   make bench            full run (about 12 minutes), updates the committed results
#   make bench QUICK=1    short run (under 2 minutes), results stay in bench/out/
#
# Environment knobs (all optional): TARGETS ("respond wat as go proxy"),
# LEVELS ("1 16 64 256"), ROUNDS (3), DURATION (seconds per wrk run, 5),
# SOAK_REQUESTS (1000000), PROFILE (1: CPU/alloc profile of /as at c=64;
# default on in full runs), CADDY (bin/caddy), BENCH_CADDYFILE
# (bench/Caddyfile), BENCH_PORT (8480), BENCH_ADMIN_PORT (2480),
# BENCH_BACKEND_PORT (8481), SKIP ("coldstart scale soak pace gobench":
# phases to leave out).
set -euo pipefail
cd "$(dirname "$0")/.."

# A run with any knob changed is not the reference run: its results stay in
# bench/out/ like a QUICK run's.
custom=''
for knob in TARGETS LEVELS ROUNDS DURATION SOAK_REQUESTS PROFILE SKIP CADDY BENCH_CADDYFILE; do
  [[ -n ${!knob:-} ]] && custom+=" $knob"
done

QUICK=${QUICK:-}
if [[ -n $QUICK && $QUICK != 0 ]]; then
  QUICK=1
  : "${LEVELS:=1 64}" "${ROUNDS:=1}" "${DURATION:=2}" "${SOAK_REQUESTS:=30000}" "${PROFILE:=0}"
  WARMUP=1 SOAK_CHUNK=3 PACE_DURATION=2 PACE_PERCENTS="25 75" WARM_STARTS=1 SCALE_SETTLE=1 GOBENCH_TIME=200ms
else
  QUICK=0
  : "${LEVELS:=1 16 64 256}" "${ROUNDS:=3}" "${DURATION:=5}" "${SOAK_REQUESTS:=1000000}" "${PROFILE:=1}"
  WARMUP=3 SOAK_CHUNK=10 PACE_DURATION=5 PACE_PERCENTS="10 25 50 75" WARM_STARTS=5 SCALE_SETTLE=2 GOBENCH_TIME=1s
fi
: "${TARGETS:=respond wat as go proxy}"
: "${CADDY:=bin/caddy}" "${BENCH_CADDYFILE:=bench/Caddyfile}"
: "${BENCH_PORT:=8480}" "${BENCH_ADMIN_PORT:=2480}" "${BENCH_BACKEND_PORT:=8481}"
: "${SKIP:=}"
export BENCH_PORT BENCH_ADMIN_PORT BENCH_BACKEND_PORT

OUT=bench/out
BIN=$OUT/bin
BASE=http://127.0.0.1:$BENCH_PORT
ADMIN=http://localhost:$BENCH_ADMIN_PORT
CLK_TCK=$(getconf CLK_TCK)

# Caddy's data (and so the gojinn compilation cache) and config stay in bench/out.
export XDG_DATA_HOME=$PWD/$OUT/xdg/data XDG_CONFIG_HOME=$PWD/$OUT/xdg/config

log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
skipped() { [[ " $SKIP " == *" $1 "* ]]; }
has_target() { [[ " $TARGETS " == *" $1 "* ]]; }

# ---------------------------------------------------------------- preflight
missing=()
for tool in wrk wat2wasm curl go; do command -v $tool >/dev/null || missing+=("$tool"); done
if ((${#missing[@]})); then
  die "missing ${missing[*]}: install wrk and wat2wasm with 'apt-get install -y wrk wabt' (Debian/Ubuntu); Go from https://go.dev/dl/"
fi
[[ -x $CADDY ]] || die "$CADDY not found: run 'make build' (make bench does)"

declare -A WASM=(
  [wat]=$OUT/wasm/hello.wasm
  [as]=examples/hello-as/build/handler.wasm
  [go]=examples/hello-go/build/handler.wasm
)
for t in as go; do
  if has_target $t && [[ ! -f ${WASM[$t]} ]]; then
    die "${WASM[$t]} not found: run 'make examples' (make bench does)"
  fi
done

port_busy() { (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in $BENCH_PORT $BENCH_ADMIN_PORT $BENCH_BACKEND_PORT; do
  port_busy "$p" && die "port $p on 127.0.0.1 is in use: stop what listens there or set BENCH_PORT/BENCH_ADMIN_PORT/BENCH_BACKEND_PORT"
done

rm -rf "$OUT/raw" "$OUT/xdg" "$OUT/coldstart" "$OUT/scale/data-"*
mkdir -p "$BIN" "$OUT/raw" "$OUT/wasm" "$OUT/xdg/data" "$OUT/xdg/config"
RAW=$OUT/raw

log "building the bench tools and the WAT guest"
go build -o "$BIN/backend" ./bench/backend
go build -o "$BIN/probe" ./bench/probe
go build -o "$BIN/report" ./bench/report
wat2wasm bench/guest/hello.wat -o "$OUT/wasm/hello.wasm"

# ------------------------------------------------------------- environment
{
  echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "quick=$QUICK"
  echo "git_commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "git_dirty=$([[ -n $(git status --porcelain -- . 2>/dev/null) ]] && echo yes || echo no)"
  echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "cores=$(nproc)"
  echo "memory_gib=$(awk '/MemTotal/ {printf "%.1f", $2/1048576}' /proc/meminfo)"
  echo "kernel=$(uname -sr)"
  echo "os=$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")"
  echo "go=$(go version | cut -d' ' -f3-)"
  echo "caddy=$("$CADDY" version 2>/dev/null | head -1)"
  echo "wazero=$(go list -m -f '{{.Version}}' github.com/tetratelabs/wazero 2>/dev/null || echo unknown)"
  echo "wrk=$(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"
  echo "wat2wasm=$(wat2wasm --version)"
  echo "node=$(node --version 2>/dev/null || echo none)"
  echo "levels=$LEVELS"
  echo "rounds=$ROUNDS"
  echo "duration_s=$DURATION"
  echo "targets=$TARGETS"
  echo "clk_tck=$CLK_TCK"
  echo "loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)"
} >"$RAW/env.txt"
if awk '{exit !($1 > 0.5)}' /proc/loadavg; then
  log "warning: the machine is busy (load average $(cut -d' ' -f1-3 /proc/loadavg)): other work competes with Caddy and wrk"
fi

# ------------------------------------------------------- process helpers
CADDY_PID='' BACKEND_PID=''
cleanup() {
  for pid in $CADDY_PID $BACKEND_PID; do
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# cpu_ticks PID: user+system CPU time in clock ticks (fields 14 and 15 of
# /proc/PID/stat, counted after the ")" that ends the command name).
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# wait_http URL [PID]: until URL answers at all (any status), up to 60 s;
# gives up at once if process PID has exited.
wait_http() {
  local deadline=$((SECONDS + 60))
  until curl -s -o /dev/null --max-time 1 "$1"; do
    if [[ -n ${2:-} ]] && ! kill -0 "$2" 2>/dev/null; then
      die "the process serving $1 exited; last lines of its log:$(printf '\n'; tail -5 "${3:-$OUT/caddy.log}")"
    fi
    ((SECONDS < deadline)) || die "$1 did not answer within 60 s"
    sleep 0.01
  done
}

start_backend() {
  "$BIN/backend" -addr "127.0.0.1:$BENCH_BACKEND_PORT" 2>"$OUT/backend.log" &
  BACKEND_PID=$!
  wait_http "http://127.0.0.1:$BENCH_BACKEND_PORT/" "$BACKEND_PID" "$OUT/backend.log"
}

# start_caddy CONFIG [ADAPTER]: bin/caddy in the background, logging to bench/out/caddy.log.
start_caddy() {
  local adapter=()
  [[ ${2:-caddyfile} == json ]] || adapter=(--adapter caddyfile)
  "$CADDY" run --config "$1" "${adapter[@]}" >>"$OUT/caddy.log" 2>&1 &
  CADDY_PID=$!
  wait_http "$ADMIN/config/" "$CADDY_PID"
}

stop_caddy() {
  [[ -n $CADDY_PID ]] || return 0
  kill "$CADDY_PID" 2>/dev/null || true
  wait "$CADDY_PID" 2>/dev/null || true
  CADDY_PID=''
}

# wrk_json TARGET CONCURRENCY SECONDS: one wrk run, its WRK_JSON line on stdout.
wrk_json() {
  local threads=$(($2 < 2 ? $2 : 2))
  wrk -t"$threads" -c"$2" -d"$3s" --timeout 10s -s bench/wrk/report.lua "$BASE/$1" \
    >"$RAW/wrk-last.txt" 2>&1 || die "wrk failed on /$1: $(cat "$RAW/wrk-last.txt")"
  grep '^WRK_JSON ' "$RAW/wrk-last.txt" | cut -d' ' -f2-
}

# measure TARGET CONCURRENCY ROUND: one wrk run with Caddy's (and, for
# /proxy, the backend's) CPU time and Caddy's RSS around it; one JSON line.
measure() {
  local t=$1 c=$2 round=$3 c0 c1 b0=0 b1=0 w
  c0=$(cpu_ticks "$CADDY_PID")
  [[ $t == proxy ]] && b0=$(cpu_ticks "$BACKEND_PID")
  w=$(wrk_json "$t" "$c" "$DURATION")
  c1=$(cpu_ticks "$CADDY_PID")
  [[ $t == proxy ]] && b1=$(cpu_ticks "$BACKEND_PID")
  printf '{"target":"%s","concurrency":%d,"round":%d,"caddy_cpu_ticks":%d,"backend_cpu_ticks":%d,"rss_kb":%d,"wrk":%s}\n' \
    "$t" "$c" "$round" $((c1 - c0)) $((b1 - b0)) "$(rss_kb "$CADDY_PID")" "$w"
}

# ------------------------------------------------------------- throughput
log "starting the backend and Caddy ($BENCH_CADDYFILE) on 127.0.0.1:$BENCH_PORT"
: >"$OUT/caddy.log"
start_backend
start_caddy "$BENCH_CADDYFILE"
echo "rss_kb_after_start=$(rss_kb "$CADDY_PID")" >>"$RAW/env.txt"

checked=$TARGETS
has_target go && checked+=" go-nopool"
for t in $checked; do
  status=$(curl -s -o "$RAW/answer-$t.txt" -w '%{http_code}' "$BASE/$t")
  [[ $status == 200 ]] || die "/$t answered $status, not 200: $(head -c 300 "$RAW/answer-$t.txt"); see $OUT/caddy.log"
  log "/$t answers 200: $(head -c 80 "$RAW/answer-$t.txt" | tr '\n' ' ')"
done

log "warming up every target (${WARMUP}s each at c=16)"
for t in $TARGETS; do wrk_json "$t" 16 "$WARMUP" >/dev/null; done

runs=$(($(wc -w <<<"$LEVELS") * ROUNDS * $(wc -w <<<"$TARGETS")))
log "throughput: $runs wrk runs of ${DURATION}s (levels: $LEVELS; rounds: $ROUNDS; targets interleaved)"
: >"$RAW/runs.jsonl"
for c in $LEVELS; do
  for ((round = 1; round <= ROUNDS; round++)); do
    for t in $TARGETS; do
      line=$(measure "$t" "$c" "$round")
      echo "$line" >>"$RAW/runs.jsonl"
      log "c=$c round $round /$t: $(sed 's/.*"requests":\([0-9]*\).*"p99":\([0-9]*\).*/\1 requests, p99 \2 µs/' <<<"$line")"
    done
  done
done

# ---------------------------------------------------------------- profile
profile_target=''
for t in as wat; do has_target $t && { profile_target=$t; break; }; done
if [[ $PROFILE == 1 && -n $profile_target ]]; then
  log "profiling Caddy under /$profile_target at c=64 (10 s CPU profile, then 10 s allocation profile)"
  wrk -t2 -c64 -d22s --timeout 10s "$BASE/$profile_target" >/dev/null 2>&1 &
  wrk_pid=$!
  sleep 1
  curl -sf -o "$OUT/profile-c64.cpu.pprof" "$ADMIN/debug/pprof/profile?seconds=10"
  curl -sf -o "$OUT/profile-c64.allocs.pprof" "$ADMIN/debug/pprof/allocs?seconds=10"
  wait $wrk_pid || true
  echo "$profile_target" >"$RAW/profile-target.txt"
  go tool pprof -top -nodecount=30 "$OUT/profile-c64.cpu.pprof" >"$RAW/profile-cpu.txt" 2>/dev/null || true
  go tool pprof -top -cum -nodecount=40 "$OUT/profile-c64.cpu.pprof" >"$RAW/profile-cpu-cum.txt" 2>/dev/null || true
  go tool pprof -top -nodecount=30 -sample_index=alloc_space "$OUT/profile-c64.allocs.pprof" >"$RAW/profile-allocs.txt" 2>/dev/null || true
fi

# ------------------------------------------------------------------- soak
soak_target=''
for t in as wat; do has_target $t && { soak_target=$t; break; }; done
if ! skipped soak && [[ -n $soak_target ]]; then
  log "soak: $SOAK_REQUESTS requests to /$soak_target at c=64, RSS after every ${SOAK_CHUNK}s"
  total=0 samples="[0,$(rss_kb "$CADDY_PID")]"
  rss_before=$(rss_kb "$CADDY_PID")
  errors=0
  while ((total < SOAK_REQUESTS)); do
    w=$(wrk_json "$soak_target" 64 "$SOAK_CHUNK")
    n=$(sed 's/.*"requests":\([0-9]*\).*/\1/' <<<"$w")
    e=$(sed 's/.*"errors":{"connect":\([0-9]*\),"read":\([0-9]*\),"write":\([0-9]*\),"status":\([0-9]*\),"timeout":\([0-9]*\)}.*/\1+\2+\3+\4+\5/' <<<"$w")
    total=$((total + n)) errors=$((errors + e))
    samples+=",[$total,$(rss_kb "$CADDY_PID")]"
  done
  rss_after=$(rss_kb "$CADDY_PID")
  sleep 5
  printf '{"target":"%s","concurrency":64,"requests":%d,"errors":%d,"rss_kb_before":%d,"rss_kb_after":%d,"rss_kb_after_idle_5s":%d,"samples":[%s]}\n' \
    "$soak_target" "$total" "$errors" "$rss_before" "$rss_after" "$(rss_kb "$CADDY_PID")" "$samples" >"$RAW/soak.json"
  log "soak: RSS $((rss_before / 1024)) MiB before, $((rss_after / 1024)) MiB after $total requests ($errors errors)"
fi

# ----------------------------------------------------- paced /go and /proxy
# wrk is a closed loop (a new request as soon as one is answered), so it
# always runs /go at the pool's refill rate. probe pace sends at a fixed rate
# instead: below the refill rate, pre-started instances should hide the Go
# runtime's start-up from the latency. /go-nopool (the same guest, no pool)
# shows what there is to hide.
if ! skipped pace && has_target go; then
  go_max=$(grep '"target":"go"' "$RAW/runs.jsonl" |
    sed 's/.*"requests":\([0-9]*\),"duration_us":\([0-9]*\).*/\1 \2/' |
    awk '{r = $1 / ($2 / 1e6); if (r > m) m = r} END {printf "%d", m}')
  : >"$RAW/paced.jsonl"
  if ((go_max > 0)); then
    for pct in $PACE_PERCENTS; do
      rate=$(awk -v m="$go_max" -v p="$pct" 'BEGIN {r = m * p / 100; if (r < 1) r = 1; printf "%.1f", r}')
      for t in go go-nopool proxy; do
        [[ $t == go-nopool ]] || has_target $t || continue
        r=$("$BIN/probe" pace -url "$BASE/$t" -rate "$rate" -duration "${PACE_DURATION}s")
        echo "{\"target\":\"$t\",\"percent_of_go_max\":$pct,\"go_max_rps\":$go_max,\"result\":$r}" >>"$RAW/paced.jsonl"
        log "paced /$t at $rate/s ($pct% of /go's best wrk rate $go_max/s): $r"
      done
    done
  fi
fi

stop_caddy

# ------------------------------------------------- cold start (config load)
# A Caddy with only its admin API; POST /load of a config with one handler,
# then GET until the first 200. First process: empty compilation cache (the
# first load is cold, the next ones are reloads). Then WARM_STARTS fresh
# processes with the cache the first one filled (warm).
if ! skipped coldstart; then
  mkdir -p "$OUT/coldstart"
  printf '{"admin":{"listen":"localhost:%s"}}\n' "$BENCH_ADMIN_PORT" >"$OUT/coldstart/admin-only.json"
  : >"$RAW/coldstart.jsonl"
  for t in wat as go; do
    has_target $t || continue
    cat >"$OUT/coldstart/$t.Caddyfile" <<EOF
{
	admin localhost:$BENCH_ADMIN_PORT
	default_bind 127.0.0.1
	auto_https off
	persist_config off
}
:$BENCH_PORT {
	handle /$t {
		gojinn ${WASM[$t]}
	}
}
EOF
    "$CADDY" adapt --config "$OUT/coldstart/$t.Caddyfile" --adapter caddyfile >"$OUT/coldstart/$t.json" 2>>"$OUT/caddy.log"
    data=$PWD/$OUT/coldstart/data-$t
    rm -rf "$data"
    for cache in cold $(printf 'warm %.0s' $(seq "$WARM_STARTS")); do
      XDG_DATA_HOME=$data start_caddy "$OUT/coldstart/admin-only.json" json
      n=1 what="$cache cache"
      [[ $cache == cold ]] && n=5 what="cold cache, then 4 reloads"
      r=$("$BIN/probe" load -admin "$ADMIN" -config "$OUT/coldstart/$t.json" -url "$BASE/$t" -n $n)
      echo "{\"target\":\"$t\",\"cache\":\"$cache\",\"loads\":$r}" >>"$RAW/coldstart.jsonl"
      log "config load -> first 200 on /$t ($what): $r"
      stop_caddy
    done
  done
fi

# ------------------------------------------------------------------ scale
# N distinct handlers (the WAT guest with a different handler_id each);
# start-up time (process start to the first 200 from the last handler) and
# idle RSS, with an empty compilation cache (cold) and again with the cache
# that start filled (warm).
if ! skipped scale; then
  log "scale: generating 1000 distinct WAT handlers"
  mkdir -p "$OUT/scale/wasm"
  for ((i = 0; i < 1000; i++)); do
    w=$OUT/scale/wasm/h$i.wasm
    [[ -f $w && $w -nt bench/guest/hello.wat ]] && continue
    sed "s/(i32.const 0)) ;; handler-id/(i32.const $i)) ;; handler-id/" bench/guest/hello.wat >"$OUT/scale/h.wat"
    wat2wasm "$OUT/scale/h.wat" -o "$w"
  done
  : >"$RAW/scale.jsonl"
  for n in 1 100 1000; do
    f=$OUT/scale/$n.Caddyfile
    {
      printf '{\n\tadmin localhost:%s\n\tdefault_bind 127.0.0.1\n\tauto_https off\n\tpersist_config off\n}\n:%s {\n' "$BENCH_ADMIN_PORT" "$BENCH_PORT"
      for ((i = 0; i < n; i++)); do printf '\thandle /h/%d {\n\t\tgojinn %s/scale/wasm/h%d.wasm\n\t}\n' $i "$OUT" $i; done
      printf '}\n'
    } >"$f"
    data=$PWD/$OUT/scale/data-$n
    rm -rf "$data"
    for cache in cold warm; do
      r=$(XDG_DATA_HOME=$data "$BIN/probe" start -limit 2m -url "$BASE/h/$((n - 1))" -settle "${SCALE_SETTLE}s" -log "$OUT/scale/caddy-$n-$cache.log" -- \
        "$CADDY" run --config "$f" --adapter caddyfile)
      echo "{\"handlers\":$n,\"cache\":\"$cache\",\"result\":$r}" >>"$RAW/scale.jsonl"
      log "scale: $n handlers, $cache cache: $r"
    done
  done
fi

# -------------------------------------------------------- Go benchmarks
if ! skipped gobench && grep -qs '^func Benchmark' sandbox/*_test.go; then
  log "go test -bench in sandbox/ (benchtime $GOBENCH_TIME)"
  go test -run '^$' -bench . -benchmem -benchtime "$GOBENCH_TIME" ./sandbox/ >"$RAW/gobench.txt" 2>&1 ||
    log "warning: go test -bench failed, see $RAW/gobench.txt"
fi

echo "loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$RAW/env.txt"

# ----------------------------------------------------------------- report
if [[ $QUICK == 1 || -n $custom ]]; then
  cp docs/benchmarks.md "$OUT/benchmarks.md"
  "$BIN/report" -raw "$RAW" -json "$OUT/results.json" -svg "$OUT/results.svg" -md "$OUT/benchmarks.md" -svg-link results.svg
  why="a quick run"
  [[ -n $custom ]] && why="a run with${custom} set"
  log "$why: results in $OUT/results.json and $OUT/benchmarks.md (the committed results are left alone)"
else
  "$BIN/report" -raw "$RAW" -json bench/results/latest.json -svg bench/results/latest.svg -md docs/benchmarks.md -svg-link ../bench/results/latest.svg
  log "results: bench/results/latest.json, bench/results/latest.svg, docs/benchmarks.md"
fi
