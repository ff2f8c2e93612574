"""What the SCALE-Sim 3.0.0 fixture scripts share: the numpy-2 workaround and the .cfg template.

Importing this module patches scalesim's double_buffered_scratchpad_mem once (see _max_scalar).
"""
import builtins

import numpy as np
import scalesim.memory.double_buffered_scratchpad_mem as dbsm


# scalesim 3.0.0 calls int(max(list of shape-(1,) arrays)) in double_buffered_scratchpad_mem, which
# numpy 2 refuses; give that one module a max() that returns the single element as a scalar. No
# numbers change.
def _max_scalar(*args, **kw):
    m = builtins.max(*args, **kw)
    if isinstance(m, np.ndarray) and m.size == 1:
        return m.reshape(-1)[0]
    return m


dbsm.max = _max_scalar

CFG = """[general]
run_name = {name}

[architecture_presets]
ArrayHeight : {rows}
ArrayWidth : {cols}
IfmapSramSzkB : {ifmap_kb}
FilterSramSzkB : {filter_kb}
OfmapSramSzkB : {ofmap_kb}
IfmapOffset : 0
FilterOffset : 10000000
OfmapOffset : 20000000
Bandwidth : 10
Dataflow : {df}
MemoryBanks : 1
ReadRequestBuffer : 32
WriteRequestBuffer : 32

[layout]
IfmapCustomLayout : False
FilterCustomLayout : False
IfmapSRAMBankBandwidth : 10
IfmapSRAMBankNum : 10
IfmapSRAMBankPort : 2
FilterSRAMBankBandwidth : 10
FilterSRAMBankNum : 10
FilterSRAMBankPort : 2

[sparsity]
SparsitySupport : false
SparseRep : ellpack_block
OptimizedMapping : false
BlockSize : 8
RandomNumberGeneratorSeed : 40

[run_presets]
InterfaceBandwidth : CALC
UseRamulatorTrace : False
"""


def cfg_text(name, rows, cols, df, ifmap_kb, filter_kb, ofmap_kb):
    """A SCALE-Sim .cfg: the array, its dataflow and the three SRAM sizes (kB); the rest fixed."""
    return CFG.format(name=name, rows=rows, cols=cols, df=df, ifmap_kb=ifmap_kb, filter_kb=filter_kb,
                      ofmap_kb=ofmap_kb)
