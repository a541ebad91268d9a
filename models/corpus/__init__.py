"""Rebuilds the GLM Infill training corpus from Debian and npm packages (see build.py)."""
