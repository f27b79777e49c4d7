"""Helpers the test folders share (not tests themselves): free ports, a throwaway PostgreSQL."""
