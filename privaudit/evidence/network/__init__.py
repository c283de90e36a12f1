"""Network evidence: HAR and pcap captures read into flows, with PI found in them and hosts attributed."""
