"""The station's Qt user interface: the child's game screen and the therapist's dashboard.

Qt (PySide6, pyqtgraph) is imported only in this package. The UI renders the session layer's state
(:class:`~station.session.model.LiveModel`) and sends commands to its controller
(:class:`~station.session.control.SessionController`); it holds no session logic.
"""
