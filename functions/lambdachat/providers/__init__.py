"""Providers: one module each, behind `base.Provider`; `registry` knows them all."""
