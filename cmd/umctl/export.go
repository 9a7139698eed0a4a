package main

import (
	"strconv"

	"github.com/umctl/umctl/internal/ad"
	"github.com/umctl/umctl/internal/cli"
)

// contactExportColumns are the columns of `contact new --from-csv`, in the
// order -o csv writes them.
var contactExportColumns = []string{"sip_address", "registrar_pool", "ou", "display_number", "dial_plan",
	"auto_attendant", "display_name", "description", "enterprise_voice"}

// contactRecords is the -o csv form of contacts: rows that `contact new
// --from-csv` reads back to the same contacts.
func contactRecords(cs []ad.Contact) *cli.Table {
	t := &cli.Table{Headers: contactExportColumns}
	for _, c := range cs {
		s := c.Spec()
		t.Rows = append(t.Rows, []string{s.SIPAddress, s.RegistrarPool, s.OU, s.DisplayNumber, s.DialPlan,
			strconv.FormatBool(s.AutoAttendant), s.DisplayName, s.Description, strconv.FormatBool(s.EnterpriseVoice)})
	}
	return t
}

// eumRecords is the -o csv form of EUM addresses: rows that `eum add
// --from-csv` reads back to the same addresses.
func eumRecords(list []ad.EUMEntry) *cli.Table {
	t := &cli.Table{Headers: eumColumns}
	for _, s := range ad.EUMSpecs(list) {
		t.Rows = append(t.Rows, []string{s.User, s.DialPlan, s.Extension, s.SIPName, strconv.FormatBool(s.Primary)})
	}
	return t
}
