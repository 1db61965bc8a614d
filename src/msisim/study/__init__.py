"""Running many models.

Experiment specs, the sweep runner and its backends, the results store, analysis (confidence
intervals, paired differences, Sobol indices, scenario discovery) and reports.
"""
