"""Physical constants in SI (CODATA 2018) with the units in their names or comments."""

C_M_S = 299_792_458.0                   #: speed of light, m/s
ELEMENTARY_CHARGE_C = 1.602_176_634e-19  #: C
ELECTRON_MASS_KG = 9.109_383_7015e-31   #: kg
ELECTRON_REST_ENERGY_MEV = 0.510_998_950_00  #: MeV
MEV_TO_J = 1.602_176_634e-13            #: J per MeV
EV_TO_J = 1.602_176_634e-19             #: J per eV
