"""The `fieldline` model (issue #5), groundwork: superthermal electron transport along a closed
field line (Khazanov, Glocer and Himwich 2014; paper 000_59d2843666811e48.txt).

Present: ``sources`` (primary spectra, eqs. 13-14, Table 1), ``grid`` (the (s, mu0) grid of
section 3), ``background`` (NRLMSIS, PyIRI, n_e ~ B^p), ``transport`` (one energy level on
petsc4py), ``cascade`` (all levels from the top down with an energy budget). Not registered in
``hpcsim.models``: excitation cross sections are missing (docs/physics/fieldline.md).
"""
