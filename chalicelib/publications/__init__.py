"""Publications: signed uploads, Object-Locked storage of reports for their availability period,
the public listing and search (`store`), and the Atom feed (`feed`)."""
