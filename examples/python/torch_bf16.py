# A PyTorch 1x1 convolution run by pointwise in bfloat16 on channels_last tensors, without
# a copy (python3-torch):
#   PYTHONPATH=<prefix>/lib/python3/dist-packages /usr/bin/python3 examples/python/torch_bf16.py
import torch
import pointwise

layer = torch.nn.Conv2d(64, 256, kernel_size=1).to(torch.bfloat16)              # a ResNet expansion
x = torch.randn(1, 64, 56, 56).to(torch.bfloat16).contiguous(memory_format=torch.channels_last)
conv = pointwise.Conv1x1(layer.weight, layer.bias, activation="relu",            # weights packed once
                         math="bf16", input_type="bf16", output_type="bf16")
y = conv(x.permute(0, 2, 3, 1))           # the NHWC view of x; y: NHWC torch.bfloat16 (1, 56, 56, 256)
y_nchw = y.permute(0, 3, 1, 2)            # channels_last NCHW, for the next torch layer
with torch.no_grad():
    expected = torch.relu(layer(x))
print(conv.info.isa, conv.info.math, tuple(y_nchw.shape), y_nchw.is_contiguous(memory_format=torch.channels_last),
      "max |difference| from torch: %.3g" % (y_nchw.float() - expected.float()).abs().max().item())
