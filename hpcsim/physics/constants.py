"""Physical constants in SI (CODATA 2018) with the units in their names or comments."""

C_M_S = 299_792_458.0                   #: speed of light, m/s
ELEMENTARY_CHARGE_C = 1.602_176_634e-19  #: C
ELECTRON_MASS_KG = 9.109_383_7015e-31   #: kg
ELECTRON_REST_ENERGY_MEV = 0.510_998_950_00  #: MeV
MEV_TO_J = 1.602_176_634e-13            #: J per MeV
EV_TO_J = 1.602_176_634e-19             #: J per eV
HC_EV_A = 12398.419843                  #: h c, eV Angstrom
CLASSICAL_ELECTRON_RADIUS_CM = 2.8179403262e-13  #: r_e, cm
BOLTZMANN_EV_PER_K = 8.617333262e-5     #: k, eV/K
