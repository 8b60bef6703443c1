"""Thread pools: pointwise.ThreadPool objects the caller creates, passes and closes,
an implicit pool cache that cannot grow without bound, and a clear error when the
threads cannot be created."""

import os

import numpy as np
import pytest

import pointwise
from isolated import run_python


def os_threads():
    return len(os.listdir("/proc/self/task"))


@pytest.fixture
def layer():
    rng = np.random.default_rng(21)
    conv = pointwise.Conv1x1(rng.uniform(-1, 1, (64, 48)).astype(np.float32), activation="relu")
    x = rng.uniform(-1, 1, (2, 14, 14, 64)).astype(np.float32)
    return conv, x


def test_explicit_pool(layer):
    conv, x = layer
    single = conv.conv(x)
    with pointwise.ThreadPool(3) as pool:
        assert pool.threads == 3
        assert "threads=3" in repr(pool)
        assert np.array_equal(conv.conv(x, threads=pool), single)
        assert np.array_equal(conv(x, threads=pool), single)
    assert "closed" in repr(pool)
    with pytest.raises(ValueError, match="ThreadPool is closed"):
        conv.conv(x, threads=pool)
    pool.close()  # closing twice is harmless


def test_pool_of_one_per_cpu():
    with pointwise.ThreadPool(0) as pool:
        assert pool.threads == len(os.sched_getaffinity(0)) or pool.threads >= 1
    assert pointwise.ThreadPool().threads >= 1


@pytest.mark.parametrize("threads, error", [(-1, ValueError), (2.0, TypeError), (True, TypeError),
                                            (2 ** 64, OverflowError)])
def test_bad_pool_sizes(threads, error):
    with pytest.raises(error, match="threads"):
        pointwise.ThreadPool(threads)


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="counts threads through /proc/self/task")
def test_implicit_pools_are_bounded(layer):
    conv, x = layer
    before = os_threads()
    single = conv.conv(x)
    for threads in range(2, 13):  # one pool each would leave 1 + 2 + ... + 11 = 66 workers
        assert np.array_equal(conv.conv(x, threads=threads), single)
    assert os_threads() - before <= 11


def test_pools_cannot_be_copied():
    import copy
    import pickle
    with pointwise.ThreadPool(2) as pool:
        for duplicate in (copy.copy, copy.deepcopy, pickle.dumps):
            with pytest.raises(TypeError, match="ThreadPool"):
                duplicate(pool)


def test_pool_creation_failure_raises(monkeypatch):
    from pointwise import _threads

    class NoThreads:
        def __init__(self, lib):
            self.lib = lib

        def __getattr__(self, name):
            return getattr(self.lib, name)

        def pw_threadpool_create(self, threads):
            return None

    monkeypatch.setattr(_threads, "_lib", NoThreads(_threads._lib))
    with pytest.raises(pointwise.OutOfMemoryError, match="threads") as caught:
        pointwise.ThreadPool(4)
    assert isinstance(caught.value, MemoryError) and isinstance(caught.value, pointwise.PointwiseError)
    conv = pointwise.Conv1x1(np.ones((4, 3), np.float32))
    with pytest.raises(pointwise.OutOfMemoryError):
        conv.conv(np.ones((1, 2, 2, 4), np.float32), threads=7)


# Under an address-space limit that leaves room for a few thread stacks only, asking
# for 500 threads must fail in bounded time (it used to wait forever in pthreadpool).
POOL_UNDER_MEMORY_LIMIT = """
    import resource
    import pointwise
    resource.setrlimit(resource.RLIMIT_AS, (%d, %d))
    try:
        pointwise.ThreadPool(500)
    except MemoryError as error:
        print("MemoryError", isinstance(error, pointwise.PointwiseError))
    else:
        print("created")
"""


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs RLIMIT_AS (Linux)")
def test_pool_creation_under_memory_limit_fails_in_bounded_time():
    limit = 1 << 30  # 1 GiB of address space: about a hundred 8 MiB thread stacks at most
    status, stdout, stderr = run_python(POOL_UNDER_MEMORY_LIMIT % (limit, limit), timeout=30)
    assert status is not None, "pointwise.ThreadPool(500) hung under RLIMIT_AS"
    assert status == 0, stderr
    assert stdout.strip() in ("MemoryError True", "created")


# A pool closed while a conv runs on it stays alive until that run ends.
CLOSE_POOL_DURING_CALL = """
    import threading
    import numpy as np
    import pointwise
    from pointwise import _threads

    class HeldLibrary:
        def __init__(self, lib):
            self.lib, self.entered, self.release, self.destroyed = lib, threading.Event(), threading.Event(), 0
        def __getattr__(self, name):
            return getattr(self.lib, name)
        def pw_conv_run(self, *args):
            self.entered.set()
            self.release.wait()
            return self.lib.pw_conv_run(*args)
        def pw_threadpool_destroy(self, pool):
            self.destroyed += 1
            self.lib.pw_threadpool_destroy(pool)

    held = HeldLibrary(pointwise._lib)
    pointwise._lib = _threads._lib = held  # what Conv1x1 and ThreadPool use from now on
    x = np.ones((1, 8, 8, 16), np.float32)
    conv = pointwise.Conv1x1(np.ones((16, 8), np.float32))
    pool = pointwise.ThreadPool(2)
    results = []
    caller = threading.Thread(target=lambda: results.append(conv.conv(x, threads=pool)))
    caller.start()
    held.entered.wait()
    pool.close()
    print("destroyed during the call:", held.destroyed)
    held.release.set()
    caller.join()
    print("destroyed after the call:", held.destroyed)
    print("result correct:", np.array_equal(results[0], np.full((1, 8, 8, 8), 16.0)))
"""


def test_pool_closed_during_a_call_outlives_it():
    status, stdout, stderr = run_python(CLOSE_POOL_DURING_CALL)
    assert status == 0, stderr
    assert stdout.splitlines() == ["destroyed during the call: 0", "destroyed after the call: 1",
                                   "result correct: True"]
