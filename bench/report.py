#!/usr/bin/python3
"""Reads pointwise_bench's JSON (--benchmark_out) and prints the tables of the main job:
per suite and thread count, each layer's fp32 GFLOP/s, % of the variant's peak (the
canary measured around the same batch), and the ratio to the best peer and to each
peer, with geometric means per suite; then fp32 and bf16 side by side: every bf16
path (bf16 math on fp32 tensors, bf16 tensors; each variant, auto and oneDNN) with
its GFLOP/s, % of its own peak, and its ratio to pointwise's AVX-512 fp32 and to
oneDNN at the same precision, per layer and as geometric means; then, from the
kernel-alone rows, per suite at 1 thread and per variant, the kernel alone's % of
peak next to the whole layer's and their ratio, and for layers whose packed weights
do not fit in L2 the two ceilings (the kernel alone, the weights' read bandwidth);
draws the chart (GFLOP/s per layer, a bar per variant, precision and peer, the peak
as a line). Repeated rows are reduced to medians.

usage: report.py bench.json [--png out/bench.png]
"""
import argparse
import json
import math
import statistics
import sys
from collections import OrderedDict, defaultdict

PEER_ORDER = ["onednn", "xnnpack", "openblas"]
# The prefix of the kernel-alone rows: kernel_alone/<suite>/<layer>/<variant>[:<precision>]/threads:1.
KERNEL_ALONE = "kernel_alone"
# Row names carry the precision after the variant ("avx512:bf16math"); fp32 has none.
PRECISIONS = ["fp32", "bf16math", "bf16"]
PRECISION_TEXT = {"fp32": "fp32", "bf16math": "bf16 math on fp32 tensors", "bf16": "bf16 tensors"}
# The fp32 baseline the bf16 paths are compared with (issue 15), when this CPU runs it.
FP32_BASELINE = "avx512"
# A row on several threads measured while this many other threads were ready to run
# (besides, possibly, one of the row's own pool workers) waited for the cores.
BUSY_OTHERS = 1.5
MAX_CANARY_DROP = 0.2


def geomean(values):
    values = [v for v in values if v is not None and v > 0]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else None


def load(path):
    with open(path) as f:
        data = json.load(f)
    samples = defaultdict(list)  # name -> list of benchmark entries (one per repetition)
    errors = {}
    kernels = OrderedDict()  # (suite, layer, variant) -> the kernel-alone row
    for entry in data["benchmarks"]:
        if entry.get("run_type") == "aggregate":
            continue
        name = entry.get("run_name", entry["name"]).replace("/real_time", "")
        if entry.get("error_occurred"):
            errors[name] = entry.get("error_message", "error")
            continue
        samples[name].append(entry)
    rows = OrderedDict()
    dropped = 0
    for name, entries in samples.items():
        # A repetition whose canary moved by more than 20% between the start and the
        # end of its batch ran while the host changed the core's speed: keep the
        # steady ones when there are any.
        steady = [e for e in entries if e.get("canary_drop", 0.0) <= MAX_CANARY_DROP]
        if steady:
            dropped += len(entries) - len(steady)
            entries = steady
        parts = name.split("/")
        kernel_alone = len(parts) == 5 and parts[0] == KERNEL_ALONE
        if kernel_alone:
            parts = parts[1:]
        elif len(parts) != 4:
            continue
        suite, layer, variant, threads = parts
        base, _, precision = variant.partition(":")
        row = {"suite": suite, "layer": layer, "variant": variant, "base": base, "precision": precision or "fp32",
               "threads": int(threads.split(":")[1]), "label": entries[-1].get("label", "")}
        row["layer_level"] = variant if layer == "memory_read" else None
        for key in ("GFLOP/s", "wall_GFLOP/s", "others_running", "peak_share", "peak_GFLOP/s", "GB/s", "flop_per_byte", "buffer_bytes",
                    "bytes_per_run", "weight_bytes"):
            values = [e[key] for e in entries if key in e]
            row[key] = statistics.median(values) if values else None
        row["bytes"] = row.pop("bytes_per_run")  # the bytes one run moves at least: its working set
        if kernel_alone:
            kernels[(suite, layer, variant)] = row
        else:
            rows[name] = row
    context = dict(data.get("context", {}))
    context["unsteady_repetitions_dropped"] = dropped
    return context, rows, errors, kernels


def fmt(value, spec, width):
    if value is None:
        return "-".rjust(width)
    if spec == ".1f" and abs(value) < 10:  # small layers: keep three significant digits
        spec = ".3f" if abs(value) < 1 else ".2f"
    return format(value, spec).rjust(width)


def ratio_text(ours, theirs, width=9):
    if ours is None or not theirs:
        return "-".rjust(width)
    return (format(ours / theirs, ".2f") + "x").rjust(width)


def report(context, rows, errors, kernels=None, out=sys.stdout):
    def p(text=""):
        print(text, file=out)

    peaks = {(r["layer"], r["variant"], r["threads"]): r for r in rows.values() if r["suite"] == "peak"}
    all_layers = [r for r in rows.values() if r["suite"] != "peak"]
    layers = [r for r in all_layers if r["precision"] == "fp32"]
    peers = [v for v in PEER_ORDER if any(r["variant"] == v for r in layers)]
    # The variants as the benchmark names them (its context lists the list's order, best
    # first): shown worst first, then the auto rows.
    named = list(reversed(context.get("pointwise_variants", "").split())) + ["auto"]
    named += sorted({r["variant"] for r in layers} - set(named) - set(PEER_ORDER))
    bf16_paths = precision_paths(context, all_layers)
    variants = [v for v in named if any(r["variant"] == v for r in layers)]
    thread_counts = sorted({r["threads"] for r in layers})

    p("pointwise %s   variants built and runnable: %s   PW_ISA_AUTO picks: %s (bf16 math: %s)" % (
        context.get("pointwise_version", "?"), context.get("pointwise_variants", "?"),
        context.get("pointwise_auto", "?"), context.get("pointwise_auto_bf16math", "-")))
    p("precisions: %s" % context.get("precisions", "fp32"))
    for key in sorted(context):
        if key.startswith("peer_"):
            p("peer %-9s %s" % (key[5:], context[key]))
    if not peers:
        p("peers: none were built in (install libdnnl-dev, libxnnpack-dev, libopenblas-dev)")
    # How much of its core a one-thread row got: the wall clock against the thread's
    # CPU time. Well below 1, other processes shared the machine, and the rows timed
    # by the wall clock (several threads) were slowed by them.
    core_shares = [r["wall_GFLOP/s"] / r["GFLOP/s"] for r in all_layers
                   if r["threads"] == 1 and r.get("wall_GFLOP/s") and r.get("GFLOP/s")]
    if core_shares:
        share = statistics.median(core_shares)
        p("one-thread rows had their core %.0f%% of the time (median)%s" % (
            100 * share, "" if share > 0.9 else
            ": the machine was shared during this run; rows on several threads (wall clock) suffered from it"))
    multi = [r for r in all_layers if r["threads"] > 1 and r.get("others_running") is not None]
    busy = [r for r in multi if r["others_running"] >= BUSY_OTHERS]
    if multi:
        p("%d of %d rows on several threads ran while other processes wanted the cores (marked 'busy'):"
          " their wall-clock figures are low by an unknown factor" % (len(busy), len(multi)) if busy else
          "no row on several threads ran while other processes wanted the cores")
    p()
    p("ceilings (median of the peak rows):")
    for (kind, variant, threads), r in sorted(peaks.items(), key=lambda kv: (kv[0][2], kv[0][0], kv[1].get("buffer_bytes") or 0, kv[0][1])):
        if kind == "fma":
            p("  %-11s peak loop,  %d thread(s): %8.1f GFLOP/s" % (variant, threads, r["GFLOP/s"]))
        else:
            p("  memory read %-4s %6.1f MiB, %d thread(s): %8.1f GB/s" % (
                variant, (r.get("buffer_bytes") or 0) / 2**20, threads, r["GB/s"]))
    p("(GFLOP/s: 2*M*Ci*Co per run over the thread's CPU time on 1 thread, over the wall clock on several;")
    p(" % of peak: over the canary of the variant's own peak loop measured around the same batch (bf16-only variants:")
    p(" their bf16 dot-product loop; fp32 variants at any precision: their FMA loop); fp32 peers over the best fp32")
    p(" variant's loop, bf16 peers over the best variant's loop;")
    p(" medians over repetitions, %d repetition(s) left out because their canary moved by more than %d%%)" % (
        context.get("unsteady_repetitions_dropped", 0), 100 * MAX_CANARY_DROP))

    by_group = OrderedDict()
    for r in layers:
        by_group.setdefault((r["suite"], r["threads"]), OrderedDict()).setdefault(r["layer"], {})[r["variant"]] = r

    summary = []
    for (suite, threads), layer_rows in by_group.items():
        fma = [r["GFLOP/s"] for (k, v, t), r in peaks.items() if k == "fma" and t == threads]
        levels = sorted((r for (k, v, t), r in peaks.items() if k == "memory_read" and t == threads and r.get("GB/s")),
                        key=lambda r: r.get("buffer_bytes") or 0)
        p()
        p("== %s, %d thread%s ==" % (suite, threads, "" if threads == 1 else "s"))
        header = "%-20s %-12s %9s %6s %9s" % ("layer", "variant", "GFLOP/s", "%peak", "/best peer")
        header += "".join("%10s" % ("/" + peer) for peer in peers)
        p(header + "   note")
        per_variant = defaultdict(lambda: defaultdict(list))
        for layer, by_variant in layer_rows.items():
            peer_speeds = {peer: by_variant[peer]["GFLOP/s"] for peer in peers if peer in by_variant}
            best_peer = max(peer_speeds.values()) if peer_speeds else None
            # The memory level the layer's working set fits in, and whether its flops per
            # byte fall below that level's balance point (peak GFLOP/s over GB/s).
            working_set = max((r.get("bytes") or 0) for r in by_variant.values())
            memory = next((m for m in levels if working_set <= (m.get("buffer_bytes") or 0)), levels[-1] if levels else None)
            balance = (max(fma) / memory["GB/s"]) if fma and memory else None
            memory_bound = balance is not None and any(
                r.get("flop_per_byte") is not None and r["flop_per_byte"] < balance for r in by_variant.values())
            first = True
            for variant in variants:
                r = by_variant.get(variant)
                name = "%s/%s/%s/threads:%d" % (suite, layer, variant, threads)
                shown = variant
                if variant == "auto" and r is not None:
                    shown = "auto=" + r["label"].split(" ")[0]
                line = "%-20s %-12s " % (layer if first else "", shown)
                first = False
                if r is None:
                    p(line + "failed: " + errors.get(name, "no result"))
                    continue
                line += fmt(r["GFLOP/s"], ".1f", 9) + " " + fmt(100 * r["peak_share"] if r["peak_share"] else None, ".0f", 5) + "%"
                line += ratio_text(r["GFLOP/s"], best_peer, 10)
                line += "".join(ratio_text(r["GFLOP/s"], peer_speeds.get(peer), 10) for peer in peers)
                single = rows.get("%s/%s/%s/threads:1" % (suite, layer, variant))
                if threads > 1 and single and single.get("GFLOP/s"):
                    line += "   %.2fx its 1-thread speed" % (r["GFLOP/s"] / single["GFLOP/s"])
                    per_variant[variant]["scaling"].append(r["GFLOP/s"] / single["GFLOP/s"])
                if threads > 1 and (r.get("others_running") or 0) >= BUSY_OTHERS:
                    line += "   busy (%.1f other threads runnable)" % r["others_running"]
                if variant == "auto" and " " in r["label"]:
                    line += "   tiles " + r["label"].split(" ", 1)[1]  # mr, nr, kc, nc of the conv it ran
                if memory_bound and r.get("GB/s") is not None:
                    line += "   memory-bound: %.1f GB/s, %.0f%% of %s read" % (
                        r["GB/s"], 100 * r["GB/s"] / memory["GB/s"], memory["layer_level"])
                p(line)
                per_variant[variant]["gflops"].append(r["GFLOP/s"])
                per_variant[variant]["share"].append(r["peak_share"])
                if best_peer:
                    per_variant[variant]["best"].append(r["GFLOP/s"] / best_peer)
                for peer in peers:
                    if peer_speeds.get(peer):
                        per_variant[variant][peer].append(r["GFLOP/s"] / peer_speeds[peer])
            peer_line = "   ".join("%s %s (%s%%)%s%s" % (
                peer, fmt(by_variant[peer]["GFLOP/s"], ".1f", 0),
                fmt(100 * by_variant[peer]["peak_share"], ".0f", 0),
                " [" + by_variant[peer]["label"] + "]" if by_variant[peer]["label"] else "",
                " busy" if threads > 1 and (by_variant[peer].get("others_running") or 0) >= BUSY_OTHERS else "")
                for peer in peers if peer in by_variant)
            failed = ["%s failed: %s" % (peer, errors.get("%s/%s/%s/threads:%d" % (suite, layer, peer, threads), "no result"))
                      for peer in peers if peer not in by_variant]
            if peer_line or failed:
                p("%-20s %-12s %s" % ("", "peers:", "   ".join([peer_line] + failed).strip()))
            for peer in peers:
                single = rows.get("%s/%s/%s/threads:1" % (suite, layer, peer))
                if peer in by_variant and threads > 1 and single and single.get("GFLOP/s"):
                    per_variant[peer]["scaling"].append(by_variant[peer]["GFLOP/s"] / single["GFLOP/s"])
                if peer in by_variant:
                    per_variant[peer]["gflops"].append(by_variant[peer]["GFLOP/s"])
                    per_variant[peer]["share"].append(by_variant[peer]["peak_share"])
        p("-- geometric mean over %d layers:" % len(layer_rows))
        for variant in variants + peers:
            stats = per_variant.get(variant)
            if not stats:
                continue
            line = "%-20s %-12s " % ("", variant)
            share = geomean(stats["share"])
            line += fmt(geomean(stats["gflops"]), ".1f", 9) + " " + fmt(100 * share if share else None, ".0f", 5) + "%"
            if stats.get("scaling"):
                scaling_note = "   %.2fx its 1-thread speed" % geomean(stats["scaling"])
            else:
                scaling_note = ""
            if variant in peers:
                line += " " * 10 * (1 + len(peers))  # no ratio columns for a peer
            else:
                best = geomean(stats["best"])
                line += (format(best, ".2f") + "x").rjust(10) if best else "-".rjust(10)
                for peer in peers:
                    g = geomean(stats[peer])
                    line += (format(g, ".2f") + "x").rjust(10) if g else "-".rjust(10)
            p(line + scaling_note)
            summary.append((suite, threads, variant, geomean(stats["gflops"]), share,
                            geomean(stats["best"]) if variant not in peers else None))
    p()
    p("== summary: geometric means per suite ==")
    p("%-16s %7s %-10s %9s %6s %10s" % ("suite", "threads", "variant", "GFLOP/s", "%peak", "/best peer"))
    for suite, threads, variant, gflops, share, best in summary:
        p("%-16s %7d %-10s %s %s%% %s" % (suite, threads, variant, fmt(gflops, ".1f", 9),
                                          fmt(100 * share if share else None, ".0f", 5),
                                          (format(best, ".2f") + "x").rjust(10) if best else "-".rjust(10)))
    if bf16_paths:
        report_precisions(rows, all_layers, bf16_paths, errors, p)
    if kernels:
        report_kernel_alone(context, rows, kernels, errors, p)
    if errors:
        p()
        p("rows that failed (%d):" % len(errors))
        for name, message in errors.items():
            p("  %s: %s" % (name, message))
    chart_groups = OrderedDict()
    for r in all_layers:
        chart_groups.setdefault((r["suite"], r["threads"]), OrderedDict()).setdefault(r["layer"], {})[r["variant"]] = r
    chart_series = variants + peers + [v for v in bf16_paths if ":" in v and chart_worthy(v, context)]
    return chart_groups, chart_series, peers


def precision_paths(context, layers):
    """The rows of the fp32-vs-bf16 table, in order: the fp32 baselines (AVX-512 fp32,
    oneDNN fp32), then for each bf16 precision every variant best first, auto, oneDNN."""
    present = {r["variant"] for r in layers}
    if not any(r["precision"] != "fp32" for r in layers):
        return []
    order = context.get("pointwise_variants", "").split() + ["auto"]
    order += sorted({r["base"] for r in layers} - set(order) - set(PEER_ORDER))
    paths = [v for v in (fp32_baseline(context, layers), "onednn") if v in present]
    for precision in PRECISIONS[1:]:
        for base in order + ["onednn"]:
            name = base + ":" + precision
            if name in present:
                paths.append(name)
    return paths


def fp32_baseline(context, layers):
    """Pointwise's AVX-512 fp32 rows, or the best fp32 variant this CPU ran."""
    fp32 = {r["variant"] for r in layers if r["precision"] == "fp32"}
    if FP32_BASELINE in fp32:
        return FP32_BASELINE
    return next((v for v in context.get("pointwise_variants", "").split() if v in fp32), "auto")


def chart_worthy(variant, context):
    """bf16 bars in the chart: auto, the bf16-only variants (named after their engine)
    and oneDNN; the portable bf16 path of every fp32 variant is in the tables only."""
    base = variant.split(":")[0]
    return base in ("auto", "onednn") or "bf16" in base


ONEDNN_BF16 = ["onednn:bf16", "onednn:bf16math"]  # the ratio columns of the fp32-vs-bf16 table


def report_precisions(rows, layers, paths, errors, p):
    baseline = paths[0] if paths and ":" not in paths[0] and paths[0] != "onednn" else None
    base_column = "/" + (baseline or "?") + " fp32"
    by_group = OrderedDict()
    for r in layers:
        by_group.setdefault((r["suite"], r["threads"]), OrderedDict()).setdefault(r["layer"], {})[r["variant"]] = r
    p()
    p("== fp32 vs bf16: every bf16 path against pointwise %s fp32, its own peak and oneDNN bf16 ==" % (baseline or "?"))
    p("(path <variant>:bf16math = bf16 math on fp32 tensors, <variant>:bf16 = bf16 tensors in and out, bare = fp32;")
    p(" %%peak: of the path's own peak loop; %s: over pointwise's %s fp32 row; /onednn:bf16: over oneDNN" % (
        base_column, baseline or "?"))
    p(" with bf16 tensors; /onednn:bf16math: over oneDNN with fp32 tensors and fpmath_mode::bf16 (its label says")
    p(" whether it did bf16 or fp32 math); [impl]: what oneDNN ran; =variant: what auto ran)")
    header = "%-14s %7s %-22s %9s %6s %13s %13s %16s" % ("", "", "path", "GFLOP/s", "%peak", base_column,
                                                         "/onednn:bf16", "/onednn:bf16math")
    summary = []
    for (suite, threads), layer_rows in by_group.items():
        if not any(":" in v for by_variant in layer_rows.values() for v in by_variant):
            continue
        p()
        p("== %s, %d thread%s: fp32 vs bf16 ==" % (suite, threads, "" if threads == 1 else "s"))
        p("%-22s" % "layer" + header[22:] + "   note")
        stats = defaultdict(lambda: defaultdict(list))
        for layer, by_variant in layer_rows.items():
            against = [by_variant.get(baseline) if baseline else None] + [by_variant.get(v) for v in ONEDNN_BF16]
            first = True
            for path in paths:
                r = by_variant.get(path)
                line = "%-22s %-22s " % (layer if first else "", path)
                first = False
                if r is None:
                    name = "%s/%s/%s/threads:%d" % (suite, layer, path, threads)
                    p(line + "failed: " + errors.get(name, "no result"))
                    continue
                line += fmt(r["GFLOP/s"], ".1f", 9) + " " + fmt(100 * r["peak_share"] if r["peak_share"] else None, ".0f", 5) + "%"
                for k, other in enumerate(against):
                    speed = other.get("GFLOP/s") if other else None
                    line += ratio_text(r["GFLOP/s"], speed, (14, 14, 17)[k])
                    if speed:
                        stats[path][k].append(r["GFLOP/s"] / speed)
                if r["base"] == "onednn":
                    line += "   [" + r["label"] + "]"
                elif r["base"] == "auto":
                    line += "   =" + r["label"].split(" ")[0]
                if threads > 1 and (r.get("others_running") or 0) >= BUSY_OTHERS:
                    line += "   busy (%.1f other threads runnable)" % r["others_running"]
                p(line)
                stats[path]["gflops"].append(r["GFLOP/s"])
                stats[path]["share"].append(r["peak_share"])
        p("-- geometric mean over %d layers:" % len(layer_rows))
        for path in paths:
            st = stats.get(path)
            if not st:
                continue
            share, gflops = geomean(st["share"]), geomean(st["gflops"])
            ratios = [geomean(st[k]) for k in range(3)]
            p("%-22s %-22s %s %s%%%s" % ("", path, fmt(gflops, ".1f", 9), fmt(100 * share if share else None, ".0f", 5),
                                       "".join(ratio_text(x, 1, w) for x, w in zip(ratios, (14, 14, 17)))))
            summary.append((suite, threads, path, gflops, share, ratios, len(st["gflops"]), len(layer_rows)))
    p()
    p("== fp32 vs bf16, geometric means over each suite's layers (issue 15's table) ==")
    p("%-14s %7s" % ("suite", "threads") + header[22:])
    last = None
    for suite, threads, path, gflops, share, ratios, count, total in summary:
        if last is not None and last != (suite, threads):
            p()
        last = (suite, threads)
        p("%-14s %7d %-22s %s %s%%%s%s" % (suite, threads, path, fmt(gflops, ".1f", 9),
                                         fmt(100 * share if share else None, ".0f", 5),
                                         "".join(ratio_text(x, 1, w) for x, w in zip(ratios, (14, 14, 17))),
                                         "" if count == total else "   (%d of %d layers)" % (count, total)))


def kernel_variants(context, kernels):
    """The variants of the kernel-alone rows as their names run ("avx512",
    "avx512_bf16:bf16"), what PW_ISA_AUTO picks first (for fp32, then for bf16 math),
    then the others best first."""
    present = OrderedDict.fromkeys(variant for _, _, variant in kernels)
    by_base = {variant.split(":")[0]: variant for variant in present}
    order = [context.get("pointwise_auto"), context.get("pointwise_auto_bf16"), context.get("pointwise_auto_bf16math")]
    order += context.get("pointwise_variants", "").split()
    ordered = [by_base[base] for base in order if base in by_base]
    ordered = list(OrderedDict.fromkeys(ordered))
    return ordered + [v for v in present if v not in ordered]


def weight_level(context, weight_bytes):
    """Where a layer's packed weights live: "l2", "l3" or "dram" (None: cache sizes unknown)."""
    l2, l3 = int(context.get("l2_bytes") or 0), int(context.get("l3_bytes") or 0)
    if not l2 or not weight_bytes:
        return None
    if weight_bytes <= l2:
        return "l2"
    return "l3" if l3 and weight_bytes <= l3 else "dram"


def report_kernel_alone(context, rows, kernels, errors, p):
    """Per suite at 1 thread and per variant: kernel alone vs whole layer, as shares of
    the same canary; for the layers whose weights live beyond L2, both ceilings."""
    peaks = {(r["layer"], r["variant"]): r for r in rows.values() if r["suite"] == "peak" and r["threads"] == 1}
    # What auto runs, as the kernel rows name it: fp32 rows bare, bf16 tensors ":bf16".
    auto = {context.get("pointwise_auto"), "%s:bf16" % context.get("pointwise_auto_bf16")}
    variants = kernel_variants(context, kernels)
    suites = list(OrderedDict.fromkeys(suite for suite, _, _ in kernels))
    l2 = int(context.get("l2_bytes") or 0)
    p()
    p("== kernel alone vs whole layer, 1 thread ==")
    p("(kernel: one call of the variant's microkernel on the planner's shapes for the layer (mr pixels, the first")
    p(" channel tile nc, the first block of kc input channels, bias + ReLU), the same mr input rows and packed panels")
    p(" every call (rows in L1, panels in L1 or L2 as the planner sized them); layer: the whole layer through the C")
    p(" API; both as % of the same peak loop's canary; layer/kernel: the share of the kernel's speed the whole layer")
    p(" keeps. Weights beyond L2 (%s): the two ceilings, the kernel alone and the rate the weights' read bandwidth" %
      ("%.0f KiB" % (l2 / 1024) if l2 else "L2 size unknown"))
    p(" allows (flop per weight byte x the 1-thread peak/memory_read row of the level they live in), and the layer's")
    p(" share of the lower one)")
    summary = []
    for suite in suites:
        for variant in variants:
            names = [layer for s, layer, v in kernels if s == suite and v == variant]
            if not names:
                continue
            p()
            p("== %s, 1 thread, %s%s: kernel alone vs whole layer ==" % (
                suite, variant, " (what PW_ISA_AUTO picks)" if variant in auto else ""))
            p("%-20s %9s %6s %9s %6s %8s   %-25s %s" % ("layer", "kernel", "%peak", "layer", "%peak", "layer/", "kernel call",
                                                     "weights beyond L2: ceilings"))
            p("%-20s %9s %6s %9s %6s %8s" % ("", "GFLOP/s", "", "GFLOP/s", "", "kernel"))
            stats = defaultdict(list)
            for layer in names:
                k = kernels[(suite, layer, variant)]
                r = rows.get("%s/%s/%s/threads:1" % (suite, layer, variant))
                line = "%-20s %s %s%%" % (layer, fmt(k["GFLOP/s"], ".1f", 9),
                                          fmt(100 * k["peak_share"] if k["peak_share"] else None, ".0f", 5))
                if r is None:
                    name = "%s/%s/%s/threads:1" % (suite, layer, variant)
                    p(line + "   layer row failed: " + errors.get(name, "no result"))
                    continue
                layer_share = r["peak_share"]
                kept = layer_share / k["peak_share"] if layer_share and k["peak_share"] else None
                line += " %s %s%% %s" % (fmt(r["GFLOP/s"], ".1f", 9),
                                         fmt(100 * layer_share if layer_share else None, ".0f", 5),
                                         fmt(kept, ".2f", 8))
                # "avx512 mr=10 nr=32 kc=512 nc=128 (kernel alone: ...)": the shapes of the call.
                tiles = k["label"].split(" (")[0].partition(" ")[2]
                line += "   %-25s" % tiles
                level = weight_level(context, r.get("weight_bytes"))
                memory = peaks.get(("memory_read", level)) if level in ("l3", "dram") else None
                if level in ("l3", "dram"):
                    flops = (r.get("flop_per_byte") or 0) * (r.get("bytes") or 0)
                    note = "%.1f MiB in %s" % (r["weight_bytes"] / 2**20, level.upper())
                    if memory and memory.get("GB/s") and flops:
                        read_bound = flops / r["weight_bytes"] * memory["GB/s"]
                        lower = min(read_bound, k["GFLOP/s"])
                        note += ": kernel %s, read %s GFLOP/s (%.1f flop/B x %.1f GB/s); layer %.0f%% of the lower" % (
                            fmt(k["GFLOP/s"], ".1f", 0), fmt(read_bound, ".1f", 0), flops / r["weight_bytes"],
                            memory["GB/s"], 100 * r["GFLOP/s"] / lower)
                        stats["of_lower"].append(r["GFLOP/s"] / lower)
                    else:
                        note += ": no peak/memory_read/%s row at 1 thread" % level
                    line += " " + note
                p(line.rstrip())
                stats["kernel"].append(k["peak_share"])
                stats["layer"].append(layer_share)
                stats["kept"].append(kept)
            kernel_mean, layer_mean, kept_mean = (geomean(stats[key]) for key in ("kernel", "layer", "kept"))
            p("-- geometric mean over %d layers: kernel %s%%, layer %s%%, layer/kernel %s%s" % (
                len(stats["kept"]), fmt(100 * kernel_mean if kernel_mean else None, ".0f", 0),
                fmt(100 * layer_mean if layer_mean else None, ".0f", 0), fmt(kept_mean, ".2f", 0),
                "; weights beyond L2: layer %.0f%% of the lower ceiling over %d layers" % (
                    100 * geomean(stats["of_lower"]), len(stats["of_lower"])) if stats["of_lower"] else ""))
            summary.append((suite, variant, kernel_mean, layer_mean, kept_mean, len(stats["kept"])))
    p()
    p("== kernel alone vs whole layer, geometric means per suite, 1 thread ==")
    p("%-16s %-20s %8s %8s %13s %7s" % ("suite", "variant", "kernel", "layer", "layer/kernel", "layers"))
    for suite, variant, kernel_mean, layer_mean, kept_mean, count in summary:
        p("%-16s %-20s %s%% %s%% %s %7d" % (suite, variant, fmt(100 * kernel_mean if kernel_mean else None, ".0f", 7),
                                          fmt(100 * layer_mean if layer_mean else None, ".0f", 7),
                                          fmt(kept_mean, ".2f", 13), count))


def draw(by_group, variants, peers, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    threads = sorted({t for _, t in by_group})
    # Suites of one layer (FC, the worked example) share a panel.
    panels = OrderedDict()
    for (suite, t), layer_rows in by_group.items():
        key = suite if len(layer_rows) > 1 else "small layers"
        for layer, row in layer_rows.items():
            shown = layer if key == suite else suite + "\n" + layer
            panels.setdefault((key, t), OrderedDict())[shown] = row
    names = list(OrderedDict.fromkeys(key for key, _ in panels))
    fig, axes = plt.subplots(len(names), len(threads), squeeze=False,
                             figsize=(12 * len(threads), 3.2 * len(names)))
    series = variants
    colors = plt.get_cmap("tab20")
    for i, name in enumerate(names):
        for j, t in enumerate(threads):
            ax = axes[i][j]
            layer_rows = panels.get((name, t), {})
            layers = list(layer_rows)
            width = 0.85 / max(1, len(series))
            for k, variant in enumerate(series):
                xs, ys = [], []
                for x, layer in enumerate(layers):
                    r = layer_rows[layer].get(variant)
                    if r and r.get("GFLOP/s"):
                        xs.append(x - 0.425 + (k + 0.5) * width)
                        ys.append(r["GFLOP/s"])
                label = variant
                if variant.split(":")[0] == "auto":
                    picked = {layer_rows[l][variant]["label"].split(" ")[0] for l in layers if variant in layer_rows[l]}
                    label = variant + " (" + ",".join(sorted(picked)) + ")"
                # Peers hatched; bf16 math on fp32 tensors dotted, bf16 tensors crossed.
                precision = variant.partition(":")[2]
                hatch = {"bf16math": "..", "bf16": "xx"}.get(precision, "")
                if variant.split(":")[0] in PEER_ORDER:
                    hatch += "//"
                ax.bar(xs, ys, width, label=label, color=colors(k % 20),
                       hatch=hatch or None, edgecolor="white", linewidth=0.3)
            # The ceiling: the best ISA's canary measured around each layer's rows.
            peak_x, peak_y = [], []
            for x, layer in enumerate(layers):
                canaries = [r.get("peak_GFLOP/s") for r in layer_rows[layer].values() if r.get("peak_GFLOP/s")]
                if canaries:
                    peak_x.append(x)
                    peak_y.append(max(canaries))
            ax.plot(peak_x, peak_y, "k--", marker="_", markersize=20, linewidth=1, label="peak (best canary)")
            ax.set_title("%s, %d thread%s" % (name, t, "" if t == 1 else "s"), fontsize=9)
            ax.set_xticks(range(len(layers)))
            ax.set_xticklabels(layers, rotation=40 if len(layers) > 2 else 0, ha="right" if len(layers) > 2 else "center",
                               fontsize=6)
            ax.set_xlim(-0.6, max(len(layers), 4) - 0.4)
            ax.set_ylabel("GFLOP/s", fontsize=8)
            ax.tick_params(axis="y", labelsize=7)
            ax.grid(axis="y", linewidth=0.3)
    handles, labels = axes[0][0].get_legend_handles_labels()
    columns = min(len(labels), 8)
    legend_inches = 0.22 * -(-len(labels) // columns) + 0.1  # its rows of entries, above the panels
    fig.tight_layout(rect=(0, 0, 1, 1 - legend_inches / fig.get_figheight()))
    fig.legend(handles, labels, loc="upper center", ncol=columns, fontsize=8, frameon=False)
    fig.savefig(path, dpi=110)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("json")
    parser.add_argument("--png", help="where to draw the chart")
    args = parser.parse_args()
    context, rows, errors, kernels = load(args.json)
    chart_groups, series, peers = report(context, rows, errors, kernels)
    if args.png:
        draw(chart_groups, series, peers, args.png)
        print("\nchart: %s" % args.png)


if __name__ == "__main__":
    main()
