"""Whistler-mode wave-particle interaction (``wpi``) model, under construction (issue #4).

This package will hold the test-particle simulation of the gyroresonant interaction between
short, ducted, monochromatic whistler-mode pulses and radiation-belt electrons on one dipole
field line, after Inan, Bell and Chang (1982) and Inan, Bell and Helliwell (1978). At present
it provides the cold-plasma medium along the line (``medium``: diffusive-equilibrium density,
gyro- and plasma frequencies, parallel whistler dispersion, group velocity, cyclotron resonance
velocity) and the gyro-averaged equations of motion with a numba RK4 integrator for many test
particles (``motion``). Pulse injection at 1000 km, the test-particle distribution and the
precipitated-flux bookkeeping are not written yet, and the model is not registered in
``hpcsim.models``; see ``docs/physics/wpi_motion.md``.
"""
