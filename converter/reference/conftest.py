# Puts lckv_ref and generate_fixtures on the import path of the tests (pytest's default import
# mode adds this directory because it holds a conftest.py outside any package).
import torch

# The models are tiny and the machine's cores are shared with other builds.
torch.set_num_threads(1)
