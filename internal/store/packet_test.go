package store_test

import (
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/report"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

func TestPacketInputs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		inv := newInventory(t, db)
		broken := inv.mustUnit(t, "Apt 102", 2)
		if _, err := db.TakeOffline(ctx, &inv.hmis, broken.ID, cas.OfflinePeriod{Reason: "water damage", ExpectedReturn: "2026-11-20"}, ""); err != nil {
			t.Fatal(err)
		}
		housed, _ := inv.mustClientOnHPL(t, "Referred", 50, nil)
		if _, err := db.CreateReferral(ctx, &inv.casAdmin, store.NewReferral{ClientID: housed.ID, FacilityID: inv.facility.ID}); err != nil {
			t.Fatal(err)
		}
		over, _ := inv.mustClientOnHPL(t, "Over", 45, nil)
		if _, err := db.CreateReferral(ctx, &inv.casAdmin, store.NewReferral{ClientID: over.ID, FacilityID: inv.facility.ID,
			OverRefer: true, Reason: "tenant moving out", ExpectedVacancy: "2026-11-05"}); err != nil {
			t.Fatal(err)
		}
		waiting, _ := inv.mustClientOnHPL(t, "Waiting", 40, nil)
		if _, err := db.FileDiscrepancy(ctx, &inv.staff, cas.Discrepancy{FacilityID: inv.facility.ID, Note: "Apt 101 is occupied",
			UnitIDs: []string{inv.unit.ID}}); err != nil {
			t.Fatal(err)
		}
		inv.clock.Advance(7 * 24 * time.Hour)

		in, err := db.PacketInputs(ctx, &inv.hmis, report.Thresholds{}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(in.Programs) != 1 || in.Programs[0].AgencyName != "Harbor Family Services" || len(in.Facilities) != 1 {
			t.Fatalf("programs %+v facilities %+v", in.Programs, in.Facilities)
		}
		if len(in.Referrals) != 2 || len(in.Discrepancies) != 1 || in.Discrepancies[0].Units != 1 {
			t.Errorf("referrals %d, discrepancies %+v", len(in.Referrals), in.Discrepancies)
		}
		if len(in.Offline) != 1 || in.Offline[0].Reason != "water damage" || in.Offline[0].ExpectedReturn != "2026-11-20" ||
			in.Offline[0].ProgramID != inv.program.ID || in.Offline[0].Since.IsZero() {
			t.Errorf("offline %+v", in.Offline)
		}
		if len(in.Ready) != 1 || in.Ready[0].ClientID != waiting.ID || in.Ready[0].Name != "Waiting Test" {
			t.Errorf("ready %+v, want only the client without a referral", in.Ready)
		}

		p := report.BuildPacket(in)
		s := p.Programs[0]
		if s.ProgramName != "Harbor Family PSH" || s.FreeUnits != 0 || len(s.OpenReferrals) != 1 || len(s.OverReferrals) != 1 ||
			!s.OverReferrals[0].Overdue || s.OverReferrals[0].ClientID != over.ID || len(s.StaleRosters) != 1 || len(s.OfflineUnits) != 1 {
			t.Errorf("section %+v", s)
		}

		own, err := db.PacketInputs(ctx, &inv.staff, report.Thresholds{}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(own.Programs) != 1 || len(own.Referrals) != 2 || len(own.Discrepancies) != 1 || len(own.Offline) != 1 || len(own.Ready) != 0 {
			t.Errorf("Harbor's packet: programs %d referrals %d discrepancies %d offline %d ready %d; want its own rows and no HPL clients",
				len(own.Programs), len(own.Referrals), len(own.Discrepancies), len(own.Offline), len(own.Ready))
		}
		other, err := db.PacketInputs(ctx, &inv.otherStaff, report.Thresholds{}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(other.Programs) + len(other.Facilities) + len(other.Referrals) + len(other.Evidence) + len(other.Discrepancies) +
			len(other.Offline) + len(other.Ready) + len(other.Free); n != 0 {
			t.Errorf("Riverside's packet holds %d of Harbor's rows: %+v", n, other)
		}
		if _, err := db.PacketInputs(ctx, &inv.casAdmin, report.Thresholds{}, 10000); cas.ErrorCode(err) != cas.EInvalid {
			t.Errorf("top 10000: %v, want invalid", err)
		}
	})
}
