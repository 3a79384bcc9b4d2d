"""Tests of snnlab.functional (a package so that basenames such as test_init.py may repeat elsewhere)."""
