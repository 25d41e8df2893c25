"""Local files written safely: the one place that writes what the user asked for to disk.

``bundle`` writes a deploy bundle (all files or none, only inside the folder named); ``atomic``
replaces one file in one rename (drafts, settings). Headless and UI-free, so ``export``, the
wizard's export screen and its draft store share it.
"""
