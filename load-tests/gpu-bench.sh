#!/usr/bin/env bash
# One prepared run on a GPU machine: checks what CUDA libraries load, builds the `gpu` flavour,
# proves `--device cuda` really runs on the GPU (not the CPU fallback), then runs `compare` on
# CUDA and on CPU side by side and prints one table. Results (logs, JSON) go to $OUT.
#
#   OUT=/tmp/gpu-results bash load-tests/gpu-bench.sh [seconds-per-phase]
#
# Needs: a JDK 17+, Maven Central (or a warm ~/.m2 with onnxruntime_gpu), an NVIDIA driver, and
# the CUDA 12 + cuDNN 9 user-space libraries that ONNX Runtime's CUDA provider links against.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-gpu-results}
SECONDS_PER_PHASE=${1:-15}
mkdir -p "$OUT"
step() { printf '\n== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }

step "GPU and CUDA libraries"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | tee "$OUT/gpu.txt" \
  || echo "nvidia-smi failed: no driver?"
for lib in libcudart.so.12 libcublas.so.12 libcublasLt.so.12 libcurand.so.10 libcufft.so.11 libcudnn.so.9; do
  if ldconfig -p | grep -q "$lib"; then echo "found   $lib"; else echo "MISSING $lib"; fi
done | tee "$OUT/cuda-libs.txt"

step "Build with -Pgpu"
JAR=load-tests/target/recsys-load-tests.jar
rm -f "$JAR" # never benchmark a CPU jar left by an earlier build
./mvnw -B -q -Pgpu package -DskipTests > "$OUT/build.log" 2>&1
BUILD_STATUS=$?
tail -20 "$OUT/build.log"
[ "$BUILD_STATUS" -eq 0 ] && [ -f "$JAR" ] || { echo "build failed ($BUILD_STATUS); see $OUT/build.log"; exit 1; }

step "Does the CUDA provider load? (compare on cuda, exits non-zero if CUDA is unavailable)"
java -jar "$JAR" compare --device cuda --duration "$SECONDS_PER_PHASE" --warmup 3 --json "$OUT/compare-cuda.json" \
  2>&1 | tee "$OUT/compare-cuda.log" | grep -E '^(Workload|[a-e]1?\)|server_vs|batching|p99 at)|CUDA|cuda'
CUDA_STATUS=${PIPESTATUS[0]}

step "Same workload on CPU"
java -jar "$JAR" compare --device cpu --duration "$SECONDS_PER_PHASE" --warmup 3 --json "$OUT/compare-cpu.json" \
  2>&1 | tee "$OUT/compare-cpu.log" | grep -E '^(Workload|[a-e]1?\)|server_vs|batching|p99 at)'

step "Summary"
field() { grep -o "\"$2\": [^,}]*" "$1" 2>/dev/null | head -1 | sed 's/.*: //'; }
printf '%-30s %12s %12s\n' metric cuda cpu
for key in bare_qps bare_batch1_qps server_batched_qps server_unbatched_qps server_c1_p50_ms server_half_load_p99_ms \
    server_vs_bare batching_gain bare_batching_gain p99_half_load_vs_p50_c1; do
  printf '%-30s %12s %12s\n' "$key" "$(field "$OUT/compare-cuda.json" "$key")" "$(field "$OUT/compare-cpu.json" "$key")"
done | tee "$OUT/summary.txt"
[ "$CUDA_STATUS" -eq 0 ] || echo "compare on cuda exited $CUDA_STATUS: see $OUT/compare-cuda.log"
