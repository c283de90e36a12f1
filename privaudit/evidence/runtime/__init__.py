"""Runtime evidence (R, U): importers that turn traces, logcat, camille exports and DroidBot runs into a ``Trace``."""
