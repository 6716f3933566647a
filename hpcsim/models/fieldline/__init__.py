"""The `fieldline` model (issue #5), under construction: superthermal electron transport along a
closed field line (Khazanov, Glocer and Himwich 2014; paper 000_59d2843666811e48.txt).

Present: ``sources`` (primary spectra at 800 km and their normalisation, eqs. 13-14, Table 1).
Not registered in ``hpcsim.models`` yet.
"""
