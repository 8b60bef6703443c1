#!/usr/bin/env bash
# check_x86_inner_loop.sh OBJDUMP OBJECT FUNCTION OP COUNT
# Finds an x86 kernel's main loop (the shortest backward branch holding COUNT OP
# instructions, one per accumulator) in the function whose demangled name contains
# FUNCTION, prints it and its instruction mix, and fails if it touches the stack: an
# accumulator kept in memory puts a store and a load in every multiply-add's chain
# (the 10x32 AVX512_BF16 tile once ran at 42% of its peak that way). Run by
# .ci/test.d/10-native.sh on the objects the library links.
set -euo pipefail
objdump=$1 object=$2 fn=$3 op=$4 want=$5
"$objdump" -d -C --no-show-raw-insn "$object" \
  | awk -v fn="$fn" '
      /^[0-9a-f]+ <.*>:$/ { inside = index($0, fn) > 0; next }
      inside && /^ *[0-9a-f]+:\t/ { print }' > "$object.loop-search.txt"
awk -v want="$want" -v op="$op" -v fn="$fn" -F'\t' '
  function hex(s,   i, v) { v = 0; for (i = 1; i <= length(s); ++i) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1; return v }
  { split($1, a, ":"); gsub(/ /, "", a[1]); addr[NR] = hex(a[1]); split($2, word, " "); code[NR] = word[1]; arg[NR] = $2; text[NR] = $0 }
  END {
    if (NR == 0) { print "!! no function matching " fn; exit 1 }
    best_len = 0
    for (i = 1; i <= NR; ++i) {
      if (code[i] !~ /^j/ || code[i] == "jmp") continue
      if (!match(arg[i], /[0-9a-f]+ </)) continue
      target = hex(substr(arg[i], RSTART, RLENGTH - 2))
      if (target >= addr[i]) continue
      ops = 0; first = 0
      for (j = 1; j <= i; ++j) if (addr[j] >= target) { if (!first) first = j; if (code[j] == op) ++ops }
      if (ops == want && (best_len == 0 || i - first < best_len)) { best_len = i - first; best_first = first; best_last = i }
    }
    if (best_len == 0) { print "!! no loop with " want " " op " in " fn; exit 1 }
    bad = 0
    for (j = best_first; j <= best_last; ++j) {
      print text[j]
      ++count[code[j]]
      # The stack: anything through %rsp, or a displacement off %rbp without an index
      # register (the frame pointer; row loads through %rbp always carry an index).
      if (arg[j] ~ /\(%rsp/ || arg[j] ~ /\(%rbp\)/) { print "!! stack access (spill) in the inner loop"; bad = 1 }
    }
    mix = ""
    for (o in count) mix = mix " " o "=" count[o]
    printf "-- %s: inner loop of %d instructions:%s\n", fn, best_last - best_first + 1, mix
    exit bad
  }' "$object.loop-search.txt"
