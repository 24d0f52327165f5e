"""Records management: backups that lose nothing, and keeping records only as long as allowed."""
