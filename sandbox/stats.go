package sandbox

// statsJSON is the part of the engine's stats document labd reads. It is
// declared here rather than taken from the client's types so the math
// below can be unit-tested from a literal.
type statsJSON struct {
	CPUStats    cpuStats `json:"cpu_stats"`
	PreCPUStats cpuStats `json:"precpu_stats"`
	MemoryStats struct {
		Usage uint64            `json:"usage"`
		Limit uint64            `json:"limit"`
		Stats map[string]uint64 `json:"stats"`
	} `json:"memory_stats"`
	PidsStats struct {
		Current uint64 `json:"current"`
	} `json:"pids_stats"`
}

type cpuStats struct {
	CPUUsage struct {
		TotalUsage uint64 `json:"total_usage"`
	} `json:"cpu_usage"`
	SystemUsage uint64 `json:"system_cpu_usage"`
	OnlineCPUs  uint32 `json:"online_cpus"`
}

// stats computes what `docker stats` shows: CPU as a share of one CPU over
// the sample, memory without reclaimable page cache.
func (s statsJSON) stats() Stats {
	out := Stats{MemoryLimit: int64(s.MemoryStats.Limit), Pids: s.PidsStats.Current}
	used := s.MemoryStats.Usage
	cache := s.MemoryStats.Stats["total_inactive_file"] // cgroup v1
	if v, ok := s.MemoryStats.Stats["inactive_file"]; ok && cache == 0 {
		cache = v // cgroup v2
	}
	if cache < used {
		used -= cache
	}
	out.MemoryBytes = int64(used)
	cpu := float64(s.CPUStats.CPUUsage.TotalUsage) - float64(s.PreCPUStats.CPUUsage.TotalUsage)
	sys := float64(s.CPUStats.SystemUsage) - float64(s.PreCPUStats.SystemUsage)
	if cpu > 0 && sys > 0 {
		n := float64(s.CPUStats.OnlineCPUs)
		if n == 0 {
			n = 1
		}
		out.CPUPercent = cpu / sys * n * 100
	}
	return out
}
