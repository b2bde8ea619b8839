"""Studies built on the library: experiments that train many agents, score them with the protocol, compare
them with the zoo and write their data, figures and commentary into ``evaluation/`` (above ``protocol`` and
``zoo`` in the layering).

- ``statistics``: interquartile mean over runs and stratified percentile-bootstrap intervals (rliable's);
- ``sweep_plan``: the sparsity sweep's plan file and the runs it names;
- ``sparsity_sweep``: training and scoring those runs, resumably, in several processes;
- ``sweep_summary``, ``sweep_plot``, ``sweep_commentary``: the sweep's numbers, figure and Markdown commentary;
- ``inputs``: the input reports of the zoo's masked agents;
- ``tickets``: the lottery-ticket study.
"""
