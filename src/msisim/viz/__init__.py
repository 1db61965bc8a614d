"""Surfaces that draw: figures from tidy tables (matplotlib/seaborn)."""
