"""Camera intrinsics, workspace homographies, load-cell zero/span, camera-to-sensor latency, and a
versioned calibration store. Imports only ``station.core``."""
