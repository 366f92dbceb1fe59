"""Frame sources, MediaPipe trackers, smoothing, the capture->track pipeline, overlays, and the
project's synthetic landmark generators (the "simulated child").

Heavy imports (OpenCV, MediaPipe) happen inside the modules that need them, never here.
"""
