import os
import sys

import pytest
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)
torch.set_num_threads(1)

from models.glm.tokenizer import BPETokenizer  # noqa: E402


@pytest.fixture(scope="session")
def root():
    return ROOT


@pytest.fixture(scope="session")
def tiny_tokenizer():
    return BPETokenizer.load(os.path.join(ROOT, "test", "fixtures", "tiny", "tokenizer.json"))


@pytest.fixture(scope="session")
def special(tiny_tokenizer):
    return tiny_tokenizer.special()
