package web_test

import (
	"net/http"
	"testing"

	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// BenchmarkMe measures an authenticated API call end to end over HTTP: token lookup, role check,
// agency read and JSON encoding, on SQLite.
func BenchmarkMe(b *testing.B) {
	db := storetest.Open(b, storetest.SQLiteURL(b))
	c := newCoC(b, db)
	req, _ := http.NewRequest("GET", c.url+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+c.tokens["agency_user"])
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := http.DefaultClient.Do(req)
			if err != nil || resp.StatusCode != 200 {
				b.Errorf("status %v, err %v", resp, err)
				return
			}
			resp.Body.Close()
		}
	})
}
