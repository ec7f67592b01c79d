package cas

// Permissions: every service checks these before it reads or writes, so the web UI, the API and the
// command line cannot disagree. A record outside an actor's scope is reported as not found.

// CanManageAgencies reports whether u may create and edit agencies, users and inventory setup.
func CanManageAgencies(u *User) bool {
	return u.IsSystem() || u.Role == RoleHMISAdmin
}

// SeesAllAgencies reports whether u works across the whole CoC rather than within one agency.
func SeesAllAgencies(u *User) bool {
	return u.IsSystem() || u.Role == RoleCASAdmin || u.Role == RoleHMISAdmin
}

// CanSeeAgency reports whether u may see the agency's records.
func CanSeeAgency(u *User, agencyID string) bool {
	return SeesAllAgencies(u) || (u.Role == RoleAgencyUser && u.AgencyID == agencyID)
}
