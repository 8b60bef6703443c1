"""A Conv1x1 owns its C handle alone: copies and pickles are refused, and close()
never frees a conv that a call in another thread is still using."""

import copy
import pickle

import numpy as np
import pytest

import pointwise
from isolated import run_python


def pickled(conv):
    return pickle.loads(pickle.dumps(conv))


@pytest.mark.parametrize("duplicate", [copy.copy, copy.deepcopy, pickled], ids=["copy", "deepcopy", "pickle"])
def test_copies_are_refused(duplicate):
    conv = pointwise.Conv1x1(np.ones((4, 3), np.float32))
    try:
        twin = duplicate(conv)
    except TypeError as error:
        assert "Conv1x1" in str(error)
    else:
        twin.__dict__.clear()  # a twin sharing the handle would free it a second time
        pytest.fail("%s made a Conv1x1 that shares the original's C handle" % duplicate.__name__)
    x = np.ones((1, 2, 2, 4), np.float32)
    assert conv.conv(x).tolist() == np.full((1, 2, 2, 3), 4.0).tolist()


# The run is held inside its pw_conv_run call (a proxy of the library in front of it)
# while the main thread closes the conv: the conv must still be alive for it.
CLOSE_DURING_CALL = """
    import threading
    import numpy as np
    import pointwise

    class HeldLibrary:
        def __init__(self, lib):
            self.lib, self.entered, self.release, self.destroyed = lib, threading.Event(), threading.Event(), 0
        def __getattr__(self, name):
            return getattr(self.lib, name)
        def pw_conv_run(self, *args):
            self.entered.set()
            self.release.wait()
            return self.lib.pw_conv_run(*args)
        def pw_conv_destroy(self, conv):
            self.destroyed += 1
            self.lib.pw_conv_destroy(conv)

    held = HeldLibrary(pointwise._lib)
    pointwise._lib = held  # what Conv1x1 uses from now on
    rng = np.random.default_rng(5)
    w = rng.uniform(-1, 1, (256, 512)).astype(np.float32)  # packed weights of 512 KiB: unmapped when freed
    x = rng.uniform(-1, 1, (1, 16, 16, 256)).astype(np.float32)
    conv = pointwise.Conv1x1(w)
    held.release.set()
    expected = conv.conv(x)
    held.entered.clear()
    held.release.clear()
    results = []
    caller = threading.Thread(target=lambda: results.append(conv.conv(x)))
    caller.start()
    held.entered.wait()
    conv.close()
    print("destroyed during the call:", held.destroyed)
    held.release.set()
    caller.join()
    print("destroyed after the call:", held.destroyed)
    print("result correct:", len(results) == 1 and np.array_equal(results[0], expected))
    try:
        conv.conv(x)
    except ValueError as error:
        print("after close:", error)
"""


def test_close_waits_for_the_call_in_flight():
    status, stdout, stderr = run_python(CLOSE_DURING_CALL)
    assert status == 0, stderr
    assert stdout.splitlines() == ["destroyed during the call: 0", "destroyed after the call: 1",
                                   "result correct: True", "after close: this Conv1x1 is closed"]


# Several threads run the conv in a loop while the main thread closes it at a random point.
CLOSE_UNDER_LOAD = """
    import threading, time
    import numpy as np
    import pointwise

    rng = np.random.default_rng(9)
    w = rng.uniform(-1, 1, (256, 512)).astype(np.float32)
    x = rng.uniform(-1, 1, (1, 8, 8, 256)).astype(np.float32)
    for attempt in range(8):
        conv = pointwise.Conv1x1(w)
        expected = conv.conv(x)
        outcomes = []
        def caller():
            try:
                while True:
                    assert np.array_equal(conv.conv(x), expected)
            except ValueError as error:
                outcomes.append(str(error))
        callers = [threading.Thread(target=caller) for _ in range(4)]
        for thread in callers:
            thread.start()
        time.sleep(0.002 * attempt)
        conv.close()
        for thread in callers:
            thread.join()
        assert outcomes == ["this Conv1x1 is closed"] * 4, outcomes
    print("ok")
"""


def test_close_under_load_from_other_threads():
    status, stdout, stderr = run_python(CLOSE_UNDER_LOAD)
    assert status == 0, "exit status %s: %s" % (status, stderr)
    assert stdout.strip() == "ok"


def test_info_and_repr_after_close():
    conv = pointwise.Conv1x1(np.ones((4, 3), np.float32))
    conv.close()
    assert "closed" in repr(conv)
    with pytest.raises(ValueError, match="closed"):
        conv.info
