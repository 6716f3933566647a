"""Numerical methods that know nothing of physics: advection, implicit operators, integrators."""
