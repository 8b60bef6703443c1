#!/usr/bin/env bash
# check_neon_inner_loop.sh OBJDUMP OBJECT MR NR
# Finds the NEON kernel's main loop (the shortest backward branch holding MR*NR fmla:
# one per accumulator for each of the 4 channels of an input group) in the functions
# of the full MR-row tile, prints it and its instruction mix, and fails if it touches
# the stack (a spill) or holds anything but fmla, loads and the loop counter.
# Run by .ci/test.d/40-aarch64.sh: the 10x8 tile uses all 32 vector registers.
set -euo pipefail
objdump=$1 object=$2 mr=$3 nr=$4
want=$(( mr * nr ))
"$objdump" -d -C --no-show-raw-insn "$object" \
  | awk -v fn="<xsimd::neon64, ${mr}ul, $(( nr / 4 ))ul>(" '
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
      fmla = 0; first = 0
      for (j = 1; j <= i; ++j) if (addr[j] >= target) { if (!first) first = j; if (op[j] == "fmla") ++fmla }
      if (fmla == want && (best_len == 0 || i - first < best_len)) { best_len = i - first; best_first = first; best_last = i }
    }
    if (best_len == 0) { print "!! no loop with " want " fmla found"; exit 1 }
    bad = 0
    for (j = best_first; j <= best_last; ++j) {
      print text[j]
      ++count[op[j]]
      if (arg[j] ~ /(^|[[ ,])sp([]!, ]|$)/) { print "!! stack access (spill) in the inner loop"; bad = 1 }
      if (op[j] !~ /^(fmla|ldr|ldp|ld1|ld1r|add|adds|sub|subs|cmp|cmn|b\..*|cbn?z)$/) { print "!! unexpected instruction"; bad = 1 }
    }
    loads = 0; qregs = 0
    for (o in count) if (o ~ /^ld/) { loads += count[o]; qregs += (o == "ldp" ? 2 : 1) * count[o] }
    mix = ""
    for (o in count) mix = mix " " o "=" count[o]
    printf "-- neon inner loop (%d pixels x %d channels, 4 input channels per pass): %d instructions:%s\n", \
           '"$mr"', '"$nr"', best_last - best_first + 1, mix
    printf "-- %d fmla per %d load instructions (%d vector registers loaded): %.2f fmla per register loaded\n", \
           count["fmla"], loads, qregs, count["fmla"] / qregs
    exit bad
  }' "$object.loop-search.txt"
