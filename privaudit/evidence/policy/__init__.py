"""Privacy-policy evidence: reading a policy into a ``PolicyDocument`` and what it says."""
