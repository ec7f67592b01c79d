package cas

// Role is what a user does in the CoC, and so what Doorway lets them do.
type Role string

const (
	// RoleCASAdmin runs the Housing Priority List and referrals for the whole CoC.
	RoleCASAdmin Role = "cas_admin"
	// RoleHMISAdmin is the HMIS team: agencies, users, programs, facilities, units and their
	// correction, for any agency.
	RoleHMISAdmin Role = "hmis_admin"
	// RoleAgencyUser is any HMIS user at an agency; they see and change their own agency only.
	RoleAgencyUser Role = "agency_user"
	// roleSystem is the command line acting on the operator's behalf; no account can hold it.
	roleSystem Role = "system"
)

// Roles lists the roles an account may hold, in the order they are shown.
var Roles = []Role{RoleCASAdmin, RoleHMISAdmin, RoleAgencyUser}

// Valid reports whether r is a role an account may hold.
func (r Role) Valid() bool {
	switch r {
	case RoleCASAdmin, RoleHMISAdmin, RoleAgencyUser:
		return true
	}
	return false
}
