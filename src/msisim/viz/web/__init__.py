"""The module ``msisim app`` serves (``solara run msisim.viz.web:Page``).

Solara reads its page template from ``templates/`` beside the served module's package, so
serving this package makes it use ``msisim/viz/templates/index.html.j2``: Solara's own page
plus a plain-HTML message that appears when the page's JavaScript does not load (a
classroom without internet and without the ``solara-assets`` package). The page itself is
:func:`msisim.viz.app.Page`.
"""

from msisim.viz.app import Page

__all__ = ["Page"]
