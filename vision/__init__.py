"""Frame sources, MediaPipe trackers, smoothing, the capture->track pipeline, overlays, and the
project's synthetic landmark generators (the "simulated child").

Modules
-------
``sources``     :class:`~vision.sources.CameraSource`, :class:`~vision.sources.VideoFileSource`,
                :class:`~vision.sources.ImageFolderSource`, the ``FailingSource`` test double,
                ``find_camera()`` and ``open_source()``; frames stamped on the session clock.
``trackers``    the :class:`~vision.trackers.Tracker` protocol, ``HandTracker`` and ``PoseTracker``
                (MediaPipe legacy solutions, video mode), ``CompositeTracker``, ``PoseGuidedHandTracker``
                (small hands in whole-body views), ``make_tracker()`` and
                ``register_backend()`` (plug in another model without touching exercises).
``smoothing``   One Euro filter per landmark coordinate, children-tuned defaults, explicit gaps.
``pipeline``    live capture thread -> latest-frame slot -> tracker thread -> bus; offline
                ``track_stream()`` for files.
``recording``   landmark streams to/from Parquet; ``ReplayTracker`` re-drives the pipeline without video.
``overlay``     skeletons, fingertip trails, target paths (OpenCV/NumPy), shared by the UI and exports.
``synth_hand``, ``synth_body``  the simulated child's landmark generators.

Conventions shared by all: times are ``int`` ns on the session clock (a frame's capture time);
landmarks are normalised coordinates of the **unmirrored** image; handedness is anatomical.

Heavy imports (OpenCV, MediaPipe) happen inside the functions that need them, never here.
"""
