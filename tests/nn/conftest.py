"""One torch thread for these tests: small tensors gain nothing from more, and on a shared machine
a second OpenMP thread waiting for a busy core made one training test 100x slower."""

import pytest
import torch


@pytest.fixture(autouse=True)
def _one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
