"""Interactive figures that chapters share: one module per topic, each a compute function
of the figure's parameters, a draw function that updates its artists in place, and the
controls over them (backprop_lib.interactive shows them live in a kernel and as a static
player in the HTML book). For example:

- one_step: the worked 2-2-1 example's loss after one and after k SGD steps against the
  learning rate (chapter "A worked example").
- training: a small network trained on two moons, loss curve and decision boundary
  against learning rate and initialization (chapter "The algorithm for L layers").

Such a module offers `compute`, `draw`, `alt`, `CONTROLS`, `JOINT`, `interactive()` (the
Interactive object, not yet shown: for tests and timing) and `show()` (the one call a
notebook makes). These modules import matplotlib; the numerical core never imports them.
Nothing is imported here, so importing one figure does not import the others.
"""
