"""Run inside a reused kernel before each report (see :class:`baro.run.worker.WarmKernel`).

The worker executes this file's text in a module of the kernel
(``_baro_warm``), never imports it: the reset must outlive the reset of the
kernel's namespace, and must not import baro into the kernel.
"""


def reset(cwd, imports):
    """Give the kernel the state of a fresh one whose first cell ran ``imports``.

    The first call imports and records the state; each later call restores
    that state (matplotlib's figures and settings, warning filters and
    registries, environment variables, ``sys.path``, caches of baro's
    functions), then imports and records again.
    The namespace and the history are emptied (the next cell is numbered 1)
    and the working folder is ``cwd``.
    """
    import gc
    import os
    import sys
    import types
    import warnings

    from IPython import get_ipython

    state = sys.modules.get("_baro_warm_state")
    if state is not None:
        import matplotlib
        import matplotlib.pyplot

        matplotlib.pyplot.close("all")
        dict.update(matplotlib.rcParams, state.rc)
        os.environ.clear()
        os.environ.update(state.environ)
        sys.path[:] = state.path
        warnings.filters[:] = state.filters
        warnings._filters_mutated()
        warnings.onceregistry.clear()
        for name, module in list(sys.modules.items()):
            if name == "baro" or name.startswith("baro."):
                for value in list(vars(module).values()):
                    if callable(getattr(value, "cache_clear", None)) and getattr(value, "__module__", "") == name:
                        value.cache_clear()
    get_ipython().reset(new_session=True)  # collects the previous report's garbage
    os.chdir(cwd)
    exec(imports, {})
    import matplotlib

    if state is None:
        # The libraries just imported live as long as the kernel: moved out
        # of the collector's reach, they are not traversed again by every
        # full collection of every report (pandas, SciPy and matplotlib
        # make a few hundred thousand objects).
        gc.collect()
        gc.freeze()

    state = types.ModuleType("_baro_warm_state")
    state.rc = dict(matplotlib.rcParams.copy())
    state.filters = list(warnings.filters)
    state.environ = dict(os.environ)
    state.path = list(sys.path)
    sys.modules["_baro_warm_state"] = state
