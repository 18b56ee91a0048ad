"""The competition commission: meetings, attendance and quorum, decisions, the protocol, published results."""
