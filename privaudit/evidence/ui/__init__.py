"""UI evidence: the screens an exploration run saw and the inputs that moved between them.

``load.load_ui`` reads a DroidBot output folder (``states/`` or a ``states*.tar.gz``, ``events/``) or a
folder of uiautomator XML dumps into a ``model.UiRun``; ``detect`` finds facts on it (the first-launch
privacy prompt, the tap distance from the main screen to the policy text, pre-ticked consent boxes and
"continuing means agreeing" texts). Verdicts are the rules' business (``rules.c1_disclosure``,
``rules.c3_consent``).
"""
