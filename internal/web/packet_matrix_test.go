package web

func init() {
	permissionMatrix["GET /api/v1/reports/hpl-packet"] = "nyyn"
	pageMatrix["GET /reports/hpl-packet"] = "nyyn"
}
