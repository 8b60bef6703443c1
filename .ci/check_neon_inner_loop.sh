#!/usr/bin/env bash
# check_neon_inner_loop.sh OBJDUMP OBJECT MR NR fmla|bfdot
# Finds a NEON kernel's main loop (the shortest backward branch holding MR*NR
# multiply instructions: one per accumulator of 4 outputs for each lane of an input
# group) in the full MR-row function (any of the |-separated names), prints it and its instruction mix, and fails if
# it touches the stack (a spill) or holds anything but those multiplies, loads and the
# loop counter. Run by .ci/test.d/40-aarch64.sh on the objects the library links:
#   fmla   kernels/neon.cpp       (fmla by lane, 4 input channels per load)
#   bfdot  kernels/neon_bf16.cpp  (bfdot by lane, 8 input channels = 4 pairs per load)
# Both 10x8 tiles use all 32 vector registers.
set -euo pipefail
objdump=$1 object=$2 mr=$3 nr=$4 kind=$5
case "$kind" in
  # The full tile's loop without the weight prefetch, whether GCC keeps it a function of
  # its own or inlines it into gemm_rows.
  fmla) fn="gemm_rows_in_place<xsimd::neon64, ${mr}ul, $(( nr / 4 ))ul, false>(|gemm_rows<xsimd::neon64, ${mr}ul, $(( nr / 4 ))ul>("
        label=neon channels=4 macs=4 extra_ops="|ld1r" ;;
  bfdot) fn="gemm_bf16_rows<${mr}ul>(" label=neon_bf16 channels=8 macs=8 extra_ops="" ;;
  *) echo "!! unknown kind '$kind' (fmla or bfdot)"; exit 2 ;;
esac
want=$(( mr * nr ))
"$objdump" -d -C --no-show-raw-insn "$object" \
  | awk -v fn="$fn" '
      BEGIN { alternatives = split(fn, names, "|") }
      /^[0-9a-f]+ <.*>:$/ { inside = 0; for (i = 1; i <= alternatives; ++i) if (index($0, names[i]) > 0) inside = 1; next }
      inside && /^ *[0-9a-f]+:\t/ { print }' > "$object.loop-search.txt"
awk -v want="$want" -v mul="$kind" -v label="$label" -v channels="$channels" -v macs="$macs" \
    -v mr="$mr" -v nr="$nr" -v allowed="^(${kind}|ldr|ldp|ld1${extra_ops}|add|adds|sub|subs|cmp|cmn|b\\..*|cbn?z)$" -F'\t' '
  function hex(s,   i, v) { v = 0; for (i = 1; i <= length(s); ++i) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1; return v }
  { split($1, a, ":"); gsub(/ /, "", a[1]); addr[NR] = hex(a[1]); op[NR] = $2; arg[NR] = $3; text[NR] = $0 }
  END {
    best_len = 0
    for (i = 1; i <= NR; ++i) {
      if (op[i] !~ /^(b\.|cbn?z)/) continue
      n = split(arg[i], parts, /[ ,]+/); target = -1
      for (j = 1; j <= n; ++j) if (parts[j] ~ /^[0-9a-f]+$/ && parts[j+1] ~ /^</) target = hex(parts[j])
      if (target < 0 || target >= addr[i]) continue
      muls = 0; first = 0
      for (j = 1; j <= i; ++j) if (addr[j] >= target) { if (!first) first = j; if (op[j] == mul) ++muls }
      if (muls == want && (best_len == 0 || i - first < best_len)) { best_len = i - first; best_first = first; best_last = i }
    }
    if (best_len == 0) { print "!! no loop with " want " " mul " found"; exit 1 }
    bad = 0
    for (j = best_first; j <= best_last; ++j) {
      print text[j]
      ++count[op[j]]
      if (arg[j] ~ /(^|[[ ,])sp([]!, ]|$)/) { print "!! stack access (spill) in the inner loop"; bad = 1 }
      if (op[j] !~ allowed) { print "!! unexpected instruction"; bad = 1 }
    }
    loads = 0; qregs = 0
    for (o in count) if (o ~ /^ld/) { loads += count[o]; qregs += (o == "ldp" ? 2 : 1) * count[o] }
    mix = ""
    for (o in count) mix = mix " " o "=" count[o]
    printf "-- %s inner loop (%d pixels x %d channels, %d input channels per pass): %d instructions:%s\n", \
           label, mr, nr, channels, best_last - best_first + 1, mix
    printf "-- %d %s (%d multiply-adds) per %d load instructions (%d vector registers loaded): %.2f %s, %.1f multiply-adds per register loaded\n", \
           count[mul], mul, macs * count[mul], loads, qregs, count[mul] / qregs, mul, macs * count[mul] / qregs
    exit bad
  }' "$object.loop-search.txt"
