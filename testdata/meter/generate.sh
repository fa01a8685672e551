#!/bin/sh
# Regenerates the corpus of generated modules that sandbox/meter's
# TestCorpusBehavesTheSame runs instrumented and as they are, and that
# seeds FuzzInstrument. Needs wasm-tools (cargo install wasm-tools); CI
# does not: the modules are committed.
#
#   testdata/meter/generate.sh [count]
set -eu
cd "$(dirname "$0")"
count=${1:-300}
# WebAssembly 2.0 and nothing newer (what wazero runs by default); loops
# and recursion are bounded by smith's own fuel (--ensure-termination).
flags="--ensure-termination --export-everything true --max-imports 0
  --simd-enabled true --bulk-memory-enabled true --reference-types-enabled true
  --multi-value-enabled true --saturating-float-to-int-enabled true
  --sign-extension-ops-enabled true --tail-call-enabled false --threads-enabled false
  --exceptions-enabled false --gc-enabled false --memory64-enabled false
  --relaxed-simd-enabled false --custom-page-sizes-enabled false
  --wide-arithmetic-enabled false --extended-const-enabled false
  --max-memories 1 --max-memory32-bytes 1048576 --min-funcs 3 --max-funcs 30 --max-instructions 400"
rm -f smith-*.wasm
i=0
while [ "$i" -lt "$count" ]; do
  extra=""
  # Every fourth module pads its LEB128 integers, as some toolchains do.
  [ $((i % 4)) -eq 3 ] && extra="--min-uleb-size 5"
  out="smith-$(printf %03d "$i").wasm"
  # shellcheck disable=SC2086
  head -c 16384 /dev/urandom | wasm-tools smith $flags $extra -o "$out"
  # Keep modules with code, and small ones (the corpus stays under 2 MB).
  if wasm-tools print "$out" | grep -q '^  (func ' && [ "$(wc -c <"$out")" -le 9000 ]; then
    i=$((i + 1))
  else
    rm "$out"
  fi
done
du -ch smith-*.wasm | tail -1
