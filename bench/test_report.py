#!/usr/bin/python3
"""Tests of report.py: a made-up benchmark JSON with and without kernel-alone rows (the
kernel rows add their section and change no other table), and, given --bench
PATH, a short real run of pointwise_bench (kernel and layer rows) read by report.py.

usage: test_report.py [--bench path/to/pointwise_bench]
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPORT = os.path.join(HERE, "report.py")

BENCH = None  # the pointwise_bench binary, from --bench

MIB = 2**20
CONTEXT = {"pointwise_version": "0.0.0", "pointwise_variants": "avx512 scalar", "pointwise_auto": "avx512",
           "precisions": "fp32", "l1d_bytes": str(48 * 1024), "l2_bytes": str(MIB), "l3_bytes": str(16 * MIB)}
# (layer, flops per run, weight bytes): one layer whose weights fit in L2, one in L3.
LAYERS = [("28x28_512x128", 2.0 * 784 * 512 * 128, 512 * 128 * 4), ("7x7_2048x512", 2.0 * 49 * 2048 * 512, 4 * MIB)]
L3_GBPS = 50.0
PEAK = 200.0


def entry(name, **counters):
    e = {"name": name + "/real_time", "run_name": name + "/real_time", "run_type": "iteration", "label": ""}
    e.update(counters)
    return e


def benchmark_json(with_kernel_rows):
    rows = [entry("peak/fma/avx512/threads:1", **{"GFLOP/s": PEAK, "peak_GFLOP/s": PEAK, "peak_share": 1.0}),
            entry("peak/memory_read/l3/threads:1", **{"GB/s": L3_GBPS, "buffer_bytes": 8 * MIB})]
    for layer, flops, weight_bytes in LAYERS:
        min_bytes = weight_bytes * 2
        if with_kernel_rows:
            for variant, share in (("avx512", 0.9), ("scalar", 0.1)):
                rows.append(entry("kernel_alone/resnet50/%s/%s/threads:1" % (layer, variant),
                                  label="%s mr=10 nr=32 kc=512 nc=128 (kernel alone: first block, bias + clamp)" % variant,
                                  **{"GFLOP/s": share * PEAK, "wall_GFLOP/s": share * PEAK, "peak_GFLOP/s": PEAK,
                                     "peak_share": share, "weight_bytes": 128 * 513 * 4.0}))
        for variant, share in (("avx512", 0.72), ("scalar", 0.1), ("auto", 0.72)):
            rows.append(entry("resnet50/%s/%s/threads:1" % (layer, variant),
                              label="avx512 mr=10 nr=32 kc=512 nc=128" if variant == "auto" else "",
                              **{"GFLOP/s": share * PEAK, "wall_GFLOP/s": share * PEAK, "peak_GFLOP/s": PEAK,
                                 "peak_share": share, "GB/s": 1.0, "flop_per_byte": flops / min_bytes,
                                 "bytes_per_run": min_bytes, "weight_bytes": weight_bytes}))
    return {"context": CONTEXT, "benchmarks": rows}


def run_report(data):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(data, f)
        path = f.name
    try:
        done = subprocess.run([sys.executable, REPORT, path], capture_output=True, text=True)
    finally:
        os.unlink(path)
    if done.returncode != 0:
        raise AssertionError("report.py failed:\n" + done.stderr)
    return done.stdout


class ReportTest(unittest.TestCase):
    def test_without_kernel_rows_there_is_no_kernel_section(self):
        text = run_report(benchmark_json(False))
        self.assertIn("== resnet50, 1 thread ==", text)
        self.assertNotIn("kernel alone", text)

    def test_kernel_rows_add_a_section_and_change_no_other_table(self):
        without = run_report(benchmark_json(False))
        text = run_report(benchmark_json(True))
        before, marker, section = text.partition("== kernel alone vs whole layer, 1 thread ==")
        self.assertTrue(marker, text)
        self.assertEqual(before.rstrip("\n"), without.rstrip("\n"))
        self.assertIn("== resnet50, 1 thread, avx512 (what PW_ISA_AUTO picks): kernel alone vs whole layer ==",
                      section)
        self.assertIn("== resnet50, 1 thread, scalar: kernel alone vs whole layer ==", section)
        # The avx512 table comes first, and its rows read kernel 90%, layer 72%, 0.80.
        avx512 = section.split("== resnet50, 1 thread, scalar")[0]
        small = next(line for line in avx512.splitlines() if line.startswith("28x28_512x128"))
        self.assertEqual(small.split()[1:6], ["180.0", "90%", "144.0", "72%", "0.80"])
        self.assertNotIn("MiB in", small)  # weights within L2: no ceilings
        big = next(line for line in avx512.splitlines() if line.startswith("7x7_2048x512"))
        # The read ceiling: flop per weight byte x the L3 read row.
        flop_per_byte = LAYERS[1][1] / LAYERS[1][2]
        read_bound = flop_per_byte * L3_GBPS
        self.assertIn("4.0 MiB in L3", big)
        self.assertIn("read %.1f GFLOP/s" % read_bound, big)
        self.assertIn("layer %.0f%% of the lower" % (100 * 144.0 / min(read_bound, 180.0)), big)
        self.assertIn("geometric mean over 2 layers: kernel 90%, layer 72%, layer/kernel 0.80", avx512)
        self.assertIn("geometric means per suite, 1 thread", section)

    def test_a_real_run_with_kernel_rows(self):
        if BENCH is None:
            self.skipTest("no --bench given")
        with tempfile.TemporaryDirectory() as work:
            out = os.path.join(work, "bench.json")
            # The FC layer (one pixel, weights beyond L2 on most hosts) and the L3 read row.
            done = subprocess.run([BENCH, "--precisions=fp32,bf16",
                                   "--benchmark_filter=^(kernel_alone/)?fc/.*/threads:1|peak/memory_read/l3/threads:1",
                                   "--benchmark_min_time=0.001", "--benchmark_repetitions=1",
                                   "--benchmark_out=" + out, "--benchmark_out_format=json"],
                                  capture_output=True, text=True)
            self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
            self.assertNotIn("ERROR OCCURRED", done.stdout)
            self.assertIn("kernel_alone/fc/1x1_2048x1000/", done.stdout)
            with open(out) as f:
                text = run_report(json.load(f))
        self.assertIn("== fc, 1 thread, ", text)
        self.assertIn("kernel alone vs whole layer", text)
        self.assertNotIn("rows that failed", text)


if __name__ == "__main__":
    if "--bench" in sys.argv:
        i = sys.argv.index("--bench")
        BENCH = sys.argv[i + 1]
        del sys.argv[i:i + 2]
    unittest.main()
