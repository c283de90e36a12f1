"""privaudit's Frida agent. ``privaudit-agent.js`` (built by ``build.sh`` from ``src/``) is package data,
loaded by ``privaudit.capture``; this module holds no code."""
