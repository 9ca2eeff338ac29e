package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// flagSet is the part of *flag.FlagSet that shared flag groups register on.
type flagSet interface {
	StringVar(p *string, name, value, usage string)
	Float64Var(p *float64, name string, value float64, usage string)
	Int64Var(p *int64, name string, value int64, usage string)
	DurationVar(p *time.Duration, name string, value time.Duration, usage string)
	Var(v flag.Value, name, usage string)
}

// byteSize is a flag value like "3g", "1536m" or "805306368".
type byteSize int64

func (b *byteSize) String() string {
	switch v := int64(*b); {
	case v >= 1<<30 && v%(1<<30) == 0:
		return fmt.Sprintf("%dg", v>>30)
	case v >= 1<<20 && v%(1<<20) == 0:
		return fmt.Sprintf("%dm", v>>20)
	}
	return strconv.FormatInt(int64(*b), 10)
}

func (b *byteSize) Set(s string) error {
	s = strings.ToLower(strings.TrimSpace(s))
	mult := int64(1)
	for suffix, m := range map[string]int64{"k": 1 << 10, "m": 1 << 20, "g": 1 << 30} {
		if strings.HasSuffix(s, suffix) || strings.HasSuffix(s, suffix+"b") || strings.HasSuffix(s, suffix+"ib") {
			s = strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(s, "ib"), "b"), suffix)
			mult = m
			break
		}
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || n <= 0 {
		return fmt.Errorf("not a size: %q (try 3g or 1536m)", s)
	}
	*b = byteSize(n * float64(mult))
	return nil
}
