"""Users, roles, handling codes and the audit log: every sensitive read passes here."""
