//go:build unix

package hmiscsv

import (
	"syscall"
	"time"
)

// cpuTime is the processor time the process has used, in user and system mode: on a machine
// whose cores other work shares, a benchmark's own cost, where its elapsed time is also the
// others' load.
func cpuTime() time.Duration {
	var u syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &u) != nil {
		return 0
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}
