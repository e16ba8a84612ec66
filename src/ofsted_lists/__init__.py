"""ofsted-lists: Ofsted inspection case lists from children's social care exports."""

__version__ = "0.1.0"
