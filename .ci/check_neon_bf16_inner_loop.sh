#!/usr/bin/env bash
# check_neon_bf16_inner_loop.sh OBJDUMP OBJECT MR NR
# Finds the NEON BF16 kernel's main loop (the shortest backward branch holding MR*NR
# bfdot: one per accumulator of 4 outputs for each of the 4 channel pairs of an 8-channel
# input group) in the full MR-row function of kernels/neon_bf16.cpp, prints it and its
# instruction mix, and fails if it touches the stack (a spill) or holds anything but
# bfdot, loads and the loop counter. Run by .ci/test.d/40-aarch64.sh on the object
# CMake builds for the library: the 10x8 tile uses all 32 vector registers.
set -euo pipefail
objdump=$1 object=$2 mr=$3 nr=$4
want=$(( mr * nr ))
"$objdump" -d -C --no-show-raw-insn "$object" \
  | awk -v fn="gemm_bf16_rows<${mr}ul>(" '
      /^[0-9a-f]+ <.*>:$/ { inside = index($0, fn) > 0; next }
      inside && /^ *[0-9a-f]+:\t/ { print }' > "$object.loop-search.txt"
awk -v want="$want" -F'\t' '
  function hex(s,   i, v) { v = 0; for (i = 1; i <= length(s); ++i) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1; return v }
  { split($1, a, ":"); gsub(/ /, "", a[1]); addr[NR] = hex(a[1]); op[NR] = $2; arg[NR] = $3; text[NR] = $0 }
  END {
    best_len = 0
    for (i = 1; i <= NR; ++i) {
      if (op[i] !~ /^(b\.|cbn?z)/) continue
      n = split(arg[i], parts, /[ ,]+/); target = -1
      for (j = 1; j <= n; ++j) if (parts[j] ~ /^[0-9a-f]+$/ && parts[j+1] ~ /^</) target = hex(parts[j])
      if (target < 0 || target >= addr[i]) continue
      dots = 0; first = 0
      for (j = 1; j <= i; ++j) if (addr[j] >= target) { if (!first) first = j; if (op[j] == "bfdot") ++dots }
      if (dots == want && (best_len == 0 || i - first < best_len)) { best_len = i - first; best_first = first; best_last = i }
    }
    if (best_len == 0) { print "!! no loop with " want " bfdot found"; exit 1 }
    bad = 0
    for (j = best_first; j <= best_last; ++j) {
      print text[j]
      ++count[op[j]]
      if (arg[j] ~ /(^|[[ ,])sp([]!, ]|$)/) { print "!! stack access (spill) in the inner loop"; bad = 1 }
      if (op[j] !~ /^(bfdot|ldr|ldp|ld1|add|adds|sub|subs|cmp|cmn|b\..*|cbn?z)$/) { print "!! unexpected instruction"; bad = 1 }
    }
    loads = 0; qregs = 0
    for (o in count) if (o ~ /^ld/) { loads += count[o]; qregs += (o == "ldp" ? 2 : 1) * count[o] }
    mix = ""
    for (o in count) mix = mix " " o "=" count[o]
    printf "-- neon_bf16 inner loop (%d pixels x %d channels, 8 input channels per pass): %d instructions:%s\n", \
           '"$mr"', '"$nr"', best_last - best_first + 1, mix
    printf "-- %d bfdot (%d multiply-adds) per %d load instructions (%d vector registers loaded): %.2f bfdot, %.1f multiply-adds per register loaded\n", \
           count["bfdot"], 8 * count["bfdot"], loads, qregs, count["bfdot"] / qregs, 8 * count["bfdot"] / qregs
    exit bad
  }' "$object.loop-search.txt"
