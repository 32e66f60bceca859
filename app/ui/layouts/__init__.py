"""Layouts assemble components into a Blocks app."""
