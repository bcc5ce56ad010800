"""mine2magnet: from drill core to investment decision for rare-earth projects.

Stages (one subpackage each, data flows one way):
``drillholes`` → ``geostats`` → ``blockmodel`` → ``resources`` → ``mining`` →
``processing`` → ``economics`` → ``report``.
"""

from mine2magnet.errors import ConfigError, DataError, Error

__version__ = "0.1.0"

__all__ = ["ConfigError", "DataError", "Error", "__version__"]
