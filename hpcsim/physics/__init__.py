"""Physical constants, backgrounds, cross sections, collision and wave coefficients."""
