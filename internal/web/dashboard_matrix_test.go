package web

func init() {
	permissionMatrix["GET /api/v1/reports/metrics"] = "nyyy"
	pageMatrix["GET /reports/dashboard"] = "nyyy"
	pageMatrix["GET /reports/dashboard.csv"] = "nyyy"
}
