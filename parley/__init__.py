"""Parley: a self-hosted communication CRM."""
