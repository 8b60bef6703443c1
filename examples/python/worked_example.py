# The worked example through the Python binding (the README's snippet):
#   PYTHONPATH=<prefix>/lib/python3/dist-packages /usr/bin/python3 examples/python/worked_example.py
import numpy as np
import pointwise

x = np.arange(1, 19, dtype=np.float32).reshape(3, 3, 2)  # NHWC image (N omitted): 3x3 pixels, 2 channels
conv = pointwise.Conv1x1(np.array([[1.0], [2.0]]))       # weights (Ci, Co) = (2, 1), packed once
y = conv.conv(x)                                         # float32, shape (3, 3, 1)
print(y.astype(int).tolist())
