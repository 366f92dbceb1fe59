"""The station's Qt user interface: the child's game screen and the therapist's dashboard.

Qt (PySide6, pyqtgraph) is imported only in this package. :mod:`station.ui.live` holds the Qt-free
bridge between a running session and the screens (live model, session controller).
"""
