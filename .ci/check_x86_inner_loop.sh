#!/usr/bin/env bash
# check_x86_inner_loop.sh OBJDUMP OBJECT FUNCTION OP COUNT
# Finds an x86 kernel's main loops (the shortest backward branch holding COUNT OP
# instructions, one per accumulator, and any copy of it: another such loop at most
# twice as long; longer ones are loops around it) in the function whose
# demangled name contains FUNCTION, prints them and their instruction mix, and fails if
# one touches the stack or moves a general register: an
# accumulator kept in memory puts a store and a load in every multiply-add's chain (the
# 10x32 AVX512_BF16 tile once ran at 42% of its peak that way), and a row pointer that
# GCC parks in a vector register or in memory comes back with a move on every channel
# (a copy of the fp32 panel loop once lost 12% that way, with no stack access). Run by
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
    loops = 0
    for (i = 1; i <= NR; ++i) {
      if (code[i] !~ /^j/ || code[i] == "jmp") continue
      if (!match(arg[i], /[0-9a-f]+ </)) continue
      target = hex(substr(arg[i], RSTART, RLENGTH - 2))
      if (target >= addr[i]) continue
      ops = 0; first = 0
      for (j = 1; j <= i; ++j) if (addr[j] >= target) { if (!first) first = j; if (code[j] == op) ++ops }
      if (ops == want) { ++loops; loop_first[loops] = first; loop_last[loops] = i }
    }
    if (loops == 0) { print "!! no loop with " want " " op " in " fn; exit 1 }
    shortest = 0
    for (l = 1; l <= loops; ++l)
      if (shortest == 0 || loop_last[l] - loop_first[l] < shortest) shortest = loop_last[l] - loop_first[l]
    bad = 0
    for (l = 1; l <= loops; ++l) {
      if (loop_last[l] - loop_first[l] > 2 * shortest) continue
      delete count
      for (j = loop_first[l]; j <= loop_last[l]; ++j) {
        print text[j]
        ++count[code[j]]
        # The stack: anything through %rsp, or a displacement off %rbp without an index
        # register (the frame pointer; row loads through %rbp always carry an index).
        if (arg[j] ~ /\(%rsp/ || arg[j] ~ /\(%rbp\)/) { print "!! stack access (spill) in the inner loop"; bad = 1 }
        # A general register parked in a vector one (vmovq %xmm3,%rax and the like),
        # reloaded from memory or copied from another: row pointers the loop cannot keep
        # in place (its only loads are of weights and inputs).
        if (code[j] ~ /^v?(movq|movd|pextrq|pextrd)$/ && arg[j] ~ /%[xyz]mm[0-9]+,%[re]?[a-z0-9]+$/) {
          print "!! a general register reloaded from a vector register in the inner loop"; bad = 1
        }
        if (code[j] == "mov") { print "!! a general register loaded or copied in the inner loop"; bad = 1 }
      }
      mix = ""
      for (o in count) mix = mix " " o "=" count[o]
      printf "-- %s: inner loop of %d instructions:%s\n", fn, loop_last[l] - loop_first[l] + 1, mix
    }
    exit bad
  }' "$object.loop-search.txt"
