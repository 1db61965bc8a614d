"""Process rules, one module per step of the protocol (docs/ODD.md §3; each rule in §7).

Each rule is a pure function over numpy arrays and an explicit ``numpy.random.Generator``;
it never imports the model. Modules: :mod:`.context` (shocks, drift), :mod:`.membership`
(seats, attendance, gatekeeping), :mod:`.deliberation` (bounded confidence, accountability),
:mod:`.decision` (proposal, decision rules, policy update), :mod:`.engagement` (efficacy
feedback, outreach).
"""
