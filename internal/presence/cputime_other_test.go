//go:build !unix

package presence

import "time"

// cpuTime is not measured here; the benchmark's cpu-ms is then 0.
func cpuTime() time.Duration { return 0 }
