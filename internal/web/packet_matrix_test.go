package web

func init() {
	permissionMatrix["GET /api/v1/reports/hpl-packet"] = "nyyy"
	pageMatrix["GET /reports/hpl-packet"] = "nyyy"
	permissionMatrix["POST /api/v1/reports/under-referral/offline"] = "nnyn"
	pageMatrix["GET /reports"] = "nyyy"
	pageMatrix["GET /reports/under-referral"] = "nyyy"
	pageMatrix["POST /reports/under-referral/offline"] = "nnyn"
	pageMatrix["POST /reports/under-referral/ask"] = "nyyn"
	permissionMatrix["POST /api/v1/reports/under-referral/ask"] = "nyyn"
}
