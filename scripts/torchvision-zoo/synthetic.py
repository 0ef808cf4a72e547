# Small PyTorch CNNs for the zoo check and its CI test: the padding, pooling and merge forms torchvision's networks
# use, in a network that exports, imports and trains in seconds. export.py builds them by name as it builds
# torchvision's classifiers (32×32 RGB input, 10 classes).
import torch
from torch import nn


class PaddingPooling(nn.Module):
    """Convolutions padded as PyTorch writes them (symmetric pads equal to Keras' 'same' at stride 1, symmetric pads
    before a stride-2 convolution, none), dilation, a depthwise convolution, max and average pooling (with and
    without padding), batch norm, a residual add, a channel concatenation, dropout, and both heads: flatten (NCHW
    order) and global average pooling."""

    def __init__(self, classes=10):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1, bias=False)  # pads 1: 'same'
        self.bn0 = nn.BatchNorm2d(8)
        self.down = nn.Conv2d(8, 12, 3, stride=2, padding=1)  # pads 1 at stride 2: PyTorch's symmetric padding
        self.bn1 = nn.BatchNorm2d(12)
        self.wide = nn.Conv2d(12, 12, 5, padding=2)  # pads 2: 'same'
        self.dilated = nn.Conv2d(12, 12, 3, padding=2, dilation=2, bias=False)
        self.bn2 = nn.BatchNorm2d(12)
        self.depthwise = nn.Conv2d(12, 12, 3, padding=1, groups=12)
        self.pointwise = nn.Conv2d(12, 8, 1)
        self.maxpool = nn.MaxPool2d(2)  # 16 → 8, no padding
        self.valid = nn.Conv2d(20, 16, 3)  # no padding: 8 → 6
        self.bn3 = nn.BatchNorm2d(16)
        self.samepool = nn.MaxPool2d(3, stride=1, padding=1)  # stride 1, pads 1: 'same' (padding never wins)
        self.avgpool = nn.AvgPool2d(2)  # 6 → 3
        self.flat_fc = nn.Linear(16 * 3 * 3, 24)
        self.dropout = nn.Dropout(0.3)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.gap_fc = nn.Linear(16, 24)
        self.head = nn.Linear(24, classes)

    def forward(self, x):
        x = torch.relu(self.bn0(self.stem(x)))
        x = nn.functional.relu6(self.bn1(self.down(x)))
        y = self.bn2(self.dilated(torch.relu(self.wide(x))))
        x = torch.relu(x + y)  # residual add
        z = self.pointwise(torch.sigmoid(self.depthwise(x)))
        x = torch.cat([x, z], dim=1)  # 12 + 8 channels
        x = torch.relu(self.bn3(self.valid(self.maxpool(x))))
        x = self.avgpool(self.samepool(x))
        flat = torch.relu(self.flat_fc(torch.flatten(x, 1)))
        pooled = torch.tanh(self.gap_fc(torch.flatten(self.gap(x), 1)))
        return self.head(self.dropout(flat + pooled))


SYNTHETIC = {"synthetic_padding_pooling": PaddingPooling}
